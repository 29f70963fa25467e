// Names for the admin's search-as-you-type boxes (Django's select2 autocompletes), which
// otherwise have none a screen reader can announce (WCAG 4.1.2, 1.3.1): each box is named
// by its field's label (or, in a table of rows, its column's heading) and then its value,
// and its search field by the label alone.
(function () {
  "use strict";

  function fieldName(select) {
    var label = select.id && document.querySelector('label[for="' + select.id + '"]');
    if (label) {
      return label.textContent.replace(/[:*\s]+$/, "").trim();
    }
    var cell = select.closest("td");
    var table = select.closest("table");
    if (cell && table) {
      var heading = table.querySelectorAll("thead th")[cell.cellIndex];
      if (heading) {
        return heading.textContent.trim();
      }
    }
    return select.getAttribute("aria-label") || select.name;
  }

  function name(select) {
    var container = select.nextElementSibling;
    if (!container || !container.classList.contains("select2")) {
      return;
    }
    var text = fieldName(select);
    var nameId = select.id + "-accessible-name";
    if (!document.getElementById(nameId)) {
      var hidden = document.createElement("span");
      hidden.id = nameId;
      hidden.className = "visually-hidden";
      hidden.textContent = text;
      container.appendChild(hidden);
    }
    container.querySelectorAll('[role="combobox"]').forEach(function (box) {
      var value = box.querySelector(".select2-selection__rendered");
      box.setAttribute("aria-labelledby", value && value.id ? nameId + " " + value.id : nameId);
      if (value) {
        // select2 makes the chosen value a read-only text box: it is named by the label
        // (while the box itself is named by the label and then the value).
        value.setAttribute("aria-labelledby", nameId);
      }
    });
    container.querySelectorAll(".select2-search__field").forEach(function (field) {
      field.setAttribute("aria-label", text);
    });
  }

  function nameAll(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(name);
  }

  function start() {
    nameAll(document);
    // Boxes are drawn again when a choice changes, and new ones come with added rows.
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        var target = change.target.closest && change.target.closest(".select2");
        var select = target && target.previousElementSibling;
        if (select && select.classList.contains("admin-autocomplete")) {
          name(select);
        }
      });
    }).observe(document.body, { childList: true, subtree: true });
    // The search field of an open drop-down belongs to the box that opened it.
    if (window.django && window.django.jQuery) {
      var $ = window.django.jQuery;
      $(document).on("select2:open", function (event) {
        var text = fieldName(event.target);
        document.querySelectorAll(".select2-container--open .select2-search__field").forEach(
          function (field) {
            field.setAttribute("aria-label", text);
          }
        );
        // select2 ties the box to its open list with aria-owns only; ARIA 1.2 asks
        // for aria-controls while the list is open.
        $(event.target)
          .next(".select2")
          .find("[role=combobox][aria-owns]")
          .each(function (_, box) {
            box.setAttribute("aria-controls", box.getAttribute("aria-owns"));
          });
      });
      $(document).on("select2:close", function (event) {
        $(event.target).next(".select2").find("[role=combobox]").removeAttr("aria-controls");
      });
    }
  }

  // After Django's own autocomplete.js, which starts the boxes when the page is ready.
  if (document.readyState === "complete") {
    start();
  } else {
    window.addEventListener("load", start);
  }
})();
