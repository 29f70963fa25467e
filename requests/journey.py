"""The request journey's answers, kept in the session until the school sends them.

Each step's raw answers are stored as submitted and re-validated with the
step's form whenever they are used, so the check-answers page and the final
submission never trust stale or altered data.
"""

from django.utils.datastructures import MultiValueDict

from .forms import ContactForm, ManualSchoolForm, NeedForm, SchoolChoiceForm

SESSION_KEY = "support_request_draft"
SENT_KEY = "support_request_sent"


class Draft:
    def __init__(self, session):
        self.session = session
        self.answers = session.get(SESSION_KEY, {})

    def save(self, step, form):
        """Keep a valid step's answers as posted: only its own fields, nothing else sent."""
        names = {form[name].html_name for name in form.fields}
        self.answers[step] = {
            key: values
            for key, values in form.data.lists()
            if key in names or key.rpartition("_")[0] in names  # date parts: field_0, _1, _2
        }
        self.session[SESSION_KEY] = self.answers

    def data(self, step):
        stored = self.answers.get(step)
        return None if stored is None else MultiValueDict(stored)

    def clear(self):
        self.session.pop(SESSION_KEY, None)

    def suggest_designation(self, kind):
        """Start the need step with a designation chosen, when the school came from a role page."""
        self.answers["suggested_designation"] = kind
        self.session[SESSION_KEY] = self.answers

    def initial(self, step):
        if step == "need" and self.answers.get("suggested_designation"):
            return {"designation_sought": self.answers["suggested_designation"]}
        return {}

    def school_form(self):
        """The bound form for the school step: chosen from the register, or typed in."""
        data = self.data("school")
        if data is None:
            return None
        form_class = SchoolChoiceForm if "urn" in data else ManualSchoolForm
        return form_class(data=data)

    def forms(self):
        """Bound forms for every step, or the name of the first step still to do."""
        bound = {"school": self.school_form()}
        for step, form_class in (("contact", ContactForm), ("need", NeedForm)):
            data = self.data(step)
            bound[step] = None if data is None else form_class(data=data)
        for step, form in bound.items():
            if form is None or not form.is_valid():
                return step, None
        return None, bound
