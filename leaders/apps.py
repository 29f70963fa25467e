from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


class LeadersConfig(AppConfig):
    name = "leaders"
    verbose_name = "System leaders"

    def ready(self):
        from alliance_portal.pages.models import RolePage
        from alliance_portal.schools.models import LocalAuthority, Phase, School
        from alliance_portal.schools.signals import register_imported

        from .directory import directory_changed, pages_changed
        from .models import AreaOfExpertise, Designation, Leader

        # Everything the public directory shows; dispatch_uid keeps one connection each.
        for model in (Leader, Designation, AreaOfExpertise, School, Phase, LocalAuthority):
            for signal in (post_save, post_delete):
                signal.connect(
                    directory_changed, sender=model, dispatch_uid=f"directory-{model.__name__}"
                )
        for through in (Leader.areas_of_expertise.through, Leader.phases.through):
            m2m_changed.connect(
                directory_changed, sender=through, dispatch_uid=f"directory-{through.__name__}"
            )
        register_imported.connect(directory_changed, dispatch_uid="directory-register")
        # The role pages (and the home page, which lists them) are cached with it.
        for signal in (post_save, post_delete):
            signal.connect(pages_changed, sender=RolePage, dispatch_uid="directory-RolePage")
