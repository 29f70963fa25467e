"""Forms for the deployment's admin page: the leader's answer and the agreement.

They check only the shape of what was typed (a date is a date); the rules
(which reason, enough days left, the fee within the rate) are the services',
and their refusals are shown against the fields they concern.
"""

from decimal import Decimal

from django import forms
from django.utils import timezone

from alliance_portal.pages.dates import validate_in_range
from alliance_portal.pages.formats import plain_number
from alliance_portal.pages.forms import ServiceErrorsMixin
from requests.models import Funding

from .models import Deployment
from .services import days_left, year_label


class AnswerForm(ServiceErrorsMixin, forms.Form):
    ACCEPT, DECLINE = "accept", "decline"

    answer = forms.ChoiceField(
        choices=[(ACCEPT, "Accepted"), (DECLINE, "Declined")], widget=forms.RadioSelect
    )
    reason = forms.ChoiceField(
        label="Why they declined",
        choices=[("", "---------"), *Deployment.DeclineReason.choices],
        required=False,
    )
    note = forms.CharField(
        label="Note", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    @property
    def accepted(self):
        return self.cleaned_data["answer"] == self.ACCEPT


class AgreementForm(ServiceErrorsMixin, forms.Form):
    objectives = forms.CharField(
        label="Objectives (one per line)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
    )
    agreed_days = forms.DecimalField(
        label="Agreed days", required=False, max_digits=5, decimal_places=1
    )
    start_date = forms.DateField(
        label="Start date",
        required=False,
        validators=[validate_in_range],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end_date = forms.DateField(
        label="End date",
        required=False,
        validators=[validate_in_range],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    daily_rate = forms.DecimalField(
        label="Daily rate (£)",
        required=False,
        max_digits=7,
        decimal_places=2,
        initial=Decimal("350.00"),
    )
    brokerage_fee = forms.DecimalField(
        label="Brokerage fee (£ a day)",
        required=False,
        max_digits=7,
        decimal_places=2,
        initial=Decimal("50.00"),
    )
    funding_source = forms.ChoiceField(
        label="Funding source", choices=[("", "---------"), *Funding.choices], required=False
    )
    signed_by = forms.CharField(
        label="Signed by",
        required=False,
        max_length=Deployment._meta.get_field("signed_by").max_length,
    )

    def __init__(self, *args, deployment, **kwargs):
        support_request = deployment.request
        leader = deployment.leader
        left, year = days_left(
            leader,
            start_date=support_request.preferred_start or timezone.localdate(),
            deployment=deployment,
        )
        left = max(left, Decimal(0))
        wanted = support_request.estimated_days
        kwargs.setdefault(
            "initial",
            {
                "funding_source": support_request.funding,
                # What the school asked for, but never more than the leader has left.
                "agreed_days": left if wanted is None else min(wanted, left),
                "start_date": support_request.preferred_start,
            },
        )
        super().__init__(*args, **kwargs)
        asked = f"The school asked for about {plain_number(wanted)}. " if wanted else ""
        self.fields["agreed_days"].help_text = (
            f"{asked}{leader} has {plain_number(left)} of {plain_number(leader.days_per_year)} "
            f"days left in {year_label(year)}."
        )

    def terms(self):
        """The cleaned data as deployment_agree's keyword arguments."""
        data = dict(self.cleaned_data)
        data["objectives"] = data["objectives"].splitlines()
        return data


def _date(label, **kwargs):
    return forms.DateField(
        label=label,
        validators=[validate_in_range],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        **kwargs,
    )


def _reason(label="Reason", help_text=""):
    return forms.CharField(
        label=label,
        max_length=2000,
        help_text=help_text,
        error_messages={"required": f"Fill in “{label}”: the leader and the school are told it."},
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


def _confirm(label):
    return forms.BooleanField(label=label, error_messages={"required": "Tick the box to confirm."})


class StartForm(ServiceErrorsMixin, forms.Form):
    pass


class PauseForm(ServiceErrorsMixin, forms.Form):
    reason = _reason(help_text="The leader and the school see this.")
    resume_expected = _date("Expected to resume on")


class ResumeForm(ServiceErrorsMixin, forms.Form):
    note = forms.CharField(
        label="Note (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class WithdrawForm(ResumeForm):
    pass


class CompleteForm(ServiceErrorsMixin, forms.Form):
    confirm = _confirm("I confirm the support has finished")


class StopForm(ServiceErrorsMixin, forms.Form):
    reason = forms.ChoiceField(
        label="Why is the support stopping?",
        choices=[("", "---------"), *Deployment.StopReason.choices],
    )
    note = _reason(
        "What happened", help_text="A sentence or two. The leader and the school see this."
    )
    confirm = _confirm("I confirm the support stops now")


class VaryForm(ServiceErrorsMixin, forms.Form):
    agreed_days = forms.DecimalField(
        label="Agreed days", max_digits=5, decimal_places=1, min_value=0
    )
    start_date = _date("Start date", required=False)
    end_date = _date("End date")
    objectives = forms.CharField(
        label="Objectives (one per line)", widget=forms.Textarea(attrs={"rows": 4, "cols": 60})
    )
    reason = _reason("Why the agreement changes", help_text="The leader and the school see this.")

    def __init__(self, *args, deployment, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "agreed_days": deployment.agreed_days,
                "start_date": deployment.start_date,
                "end_date": deployment.end_date,
                "objectives": "\n".join(o.description for o in deployment.objectives.all()),
            },
        )
        super().__init__(*args, **kwargs)
        if deployment.status != Deployment.Status.AGREED:
            # Delivery has started: the start date is history now.
            del self.fields["start_date"]

    def changes(self):
        data = dict(self.cleaned_data)
        data["objectives"] = data["objectives"].splitlines()
        return data
