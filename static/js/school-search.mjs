// Suggest schools from the register while a school types in the search box.
// The search works without this: the form submits and the page lists matches.
const input = document.querySelector("input[data-suggestions-url]");
const list = input && document.getElementById(input.getAttribute("list"));

function showSuggestions(schools) {
  list.replaceChildren(
    ...schools.map((school) => {
      const option = document.createElement("option");
      // Choosing a suggestion puts its value in the box: the school's name and place,
      // which the search finds again. The label adds the postcode and URN.
      option.value = school.text;
      option.label = [school.postcode, `URN ${school.urn}`].filter(Boolean).join(", ");
      option.textContent = option.label;
      return option;
    }),
  );
}

if (input && list) {
  let timer;
  let latest = 0;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const term = input.value.trim();
    if (term.length < 2) {
      showSuggestions([]);
      return;
    }
    timer = setTimeout(async () => {
      const asked = ++latest;
      const url = `${input.dataset.suggestionsUrl}?q=${encodeURIComponent(term)}`;
      try {
        const response = await fetch(url, { headers: { Accept: "application/json" } });
        if (response.ok && asked === latest) {
          showSuggestions((await response.json()).schools);
        }
      } catch {
        // No suggestions this time; the search button still works.
      }
    }, 250);
  });
}
