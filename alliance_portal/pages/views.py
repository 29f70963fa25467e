from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from alliance_portal.schools.models import Alliance
from leaders.models import Designation

from .models import RolePage


@require_safe
def healthz(request):
    """A bare view: no database, no template. A health check, and the bench's baseline."""
    return HttpResponse("ok", content_type="text/plain")


@require_safe
def home(request):
    return render(request, "pages/home.html", {"roles": RolePage.objects.all()})


@require_safe
def role(request, kind):
    if kind != kind.lower() or kind.upper() not in Designation.Kind.values:
        raise Http404("No such role.")
    page = get_object_or_404(RolePage, kind=kind.upper())
    return render(request, "pages/role.html", {"page": page, "roles": RolePage.objects.all()})


@require_safe
def static_page(request, template):
    return render(request, template)


@require_safe
def contact(request):
    return render(request, "pages/contact.html", {"alliances": Alliance.objects.all()})
