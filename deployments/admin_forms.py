"""Forms for the deployment's admin page: the leader's answer and the agreement.

They check only the shape of what was typed (a date is a date); the rules
(which reason, enough days left, the fee within the rate) are the services',
and their refusals are shown against the fields they concern.
"""

from decimal import Decimal

from django import forms

from alliance_portal.pages.dates import validate_in_range
from alliance_portal.pages.forms import ServiceErrorsMixin
from requests.models import Funding

from .models import Deployment


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
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end_date = forms.DateField(
        label="End date",
        required=False,
        validators=[validate_in_range],
        widget=forms.DateInput(attrs={"type": "date"}),
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
        kwargs.setdefault(
            "initial",
            {
                "funding_source": support_request.funding,
                "agreed_days": support_request.estimated_days,
                "start_date": support_request.preferred_start,
            },
        )
        super().__init__(*args, **kwargs)

    def terms(self):
        """The cleaned data as deployment_agree's keyword arguments."""
        data = dict(self.cleaned_data)
        data["objectives"] = data["objectives"].splitlines()
        return data
