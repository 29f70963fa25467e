"""The portal's URLs plus a floor for the bench: every admin model under a default
`ModelAdmin` at /floor-admin/, so `make bench` can time our changelists against what
Django's admin costs with nothing of ours added."""

from django.contrib import admin
from django.urls import path

from alliance_portal.urls import urlpatterns as portal_urlpatterns

floor_site = admin.AdminSite(name="floor")
for model in admin.site._registry:
    floor_site.register(model)

urlpatterns = [path("floor-admin/", floor_site.urls), *portal_urlpatterns]
