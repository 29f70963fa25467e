"""`WorldBuilder`: the one generator behind the demo world and the national data set.

Both data sets follow the same rules because they come from the same code at
different sizes. The builder is assembled from one stage per business area;
the stages run in order and each reads what the earlier ones left on it:

- places.py: alliances, local authorities, trusts and schools;
- people.py: leaders, designations, expertise, phases and declared conflicts;
- brokerage.py: requests, deployments, objectives, variations and each
  request's timeline (written last, once delivery says what each early stop
  delivered);
- delivery.py: support logs, the days delivered, impact reports and the
  schools' evaluations.
"""

import datetime
import random

from django.utils import timezone

from alliance_portal.demo.national.brokerage import BrokerageStage, plan_status_counts
from alliance_portal.demo.national.delivery import DeliveryStage
from alliance_portal.demo.national.people import PeopleStage
from alliance_portal.demo.national.places import PlacesStage
from alliance_portal.schools.models import Phase
from leaders.models import AreaOfExpertise


class WorldBuilder(PlacesStage, PeopleStage, BrokerageStage, DeliveryStage):
    """Generates alliances, schools, leaders, requests and deployments with bulk inserts.

    Sizes are parameters so the same code makes the demo world, the national
    data set and the tiny worlds the tests check.
    """

    def __init__(
        self,
        *,
        schools,
        leaders,
        requests,
        deployments,
        seed,
        urn_start,
        trust_code_start,
        email_domain,
        now=None,
        log=None,
        featured_leader=None,
    ):
        self.sizes = {
            "schools": schools,
            "leaders": leaders,
            "requests": requests,
            "deployments": deployments,
        }
        self.status_counts = plan_status_counts(requests, deployments)
        self.rng = random.Random(seed)
        self.now = now or timezone.now()
        self.today = self.now.astimezone(datetime.UTC).date()
        self.log = log or (lambda message: None)
        self.urn_start = urn_start
        self.trust_code_start = trust_code_start
        self.email_domain = email_domain
        self.featured = featured_leader  # a DemoLogin-like object with full_name and email
        self.actors = {}  # alliance pk -> the user shown as acting for that alliance
        self.phases = {phase.code: phase for phase in Phase.objects.all()}
        self.phase_code_by_id = {phase.pk: code for code, phase in self.phases.items()}
        self.areas = list(AreaOfExpertise.objects.all())
        self.emails = set()
        self.leader_plans = []

    def build_rest(self):
        """Everything after the alliances; returns how many rows of each kind were made."""
        self._build_schools()
        self._build_leaders()
        self._build_requests()
        self._build_delivery()
        self._build_timeline()
        return self.counts()

    def counts(self):
        return {
            "alliances": len(self.alliances),
            "schools": len(self.schools),
            "leaders": len(self.leader_plans),
            "requests": len(self.request_plans),
            "deployments": sum(len(plan.deployments()) for plan in self.request_plans),
        }

    def featured_leader(self):
        """The leader the demo's leader login belongs to."""
        return self.leader_plans[0].leader
