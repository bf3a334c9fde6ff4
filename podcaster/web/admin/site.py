"""Admin: the site settings page (title, logo, colours, navigation, footer, time zone, subscribe buttons)."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for

from ...content.images import FAVICON, LOGO, ImageError
from ...content.media import FileChanges
from ...content.site import SiteFields, SiteSettingsRefused, main_author_id, save_site
from ...extensions import db
from ...models import SiteSettings
from .. import current_time, media_store
from ..forms.books import optional_choices
from ..forms.rows import fill_rows
from ..forms.site import SiteSettingsForm
from ..site import current_site, forget_current_site
from . import bp
from .authors import author_choices
from .image_fields import apply_image


def _fill(form: SiteSettingsForm) -> None:
    site = current_site()
    form.title.data, form.tagline.data, form.accent_color.data = site.title, site.tagline, site.accent_color
    form.nav_sections.data = list(site.nav_sections)
    form.footer_text.data = site.footer_text
    fill_rows(form.social_links, list(site.social_links))
    form.time_zone.data = site.time_zone
    form.subscribe_apps.data = list(site.subscribe_apps)
    form.main_author_id.data = main_author_id(db.session) or 0


@bp.route("/site", methods=["GET", "POST"])
def site_settings():
    """Edit the site settings; every page, feed and sharing tag uses them from the next request."""
    form = SiteSettingsForm()
    form.main_author_id.choices = optional_choices(author_choices(), "(none yet)")
    if request.method == "GET":
        _fill(form)
    if form.validate_on_submit():
        chosen_author = form.main_author_id.data or None
        fields = SiteFields(
            title=form.title.data.strip(), tagline=(form.tagline.data or "").strip(),
            accent_color=form.accent_color.data or "", main_author_id=chosen_author,
            nav_sections=form.nav_sections.data or [], footer_text=(form.footer_text.data or "").strip(),
            social_links=form.social_links.links, time_zone=form.time_zone.data,
            subscribe_apps=form.subscribe_apps.data or [],
        )
        changes = FileChanges()
        image_field = None
        try:
            saved = save_site(db.session, fields, current_app.config["SITE_TITLE"], current_time())
            for image_field, rule in (("logo", LOGO), ("favicon", FAVICON)):
                upload, remove = getattr(form, image_field).data, getattr(form, f"remove_{image_field}").data
                media, change = apply_image(upload, remove, getattr(saved, image_field), rule)
                changes.new_paths += change.new_paths
                changes.old_paths += change.old_paths
                setattr(saved, image_field, media)
        except SiteSettingsRefused as exc:
            changes.discard(db.session, media_store())
            getattr(form, exc.field).errors.append(str(exc))
        except ImageError as exc:
            changes.discard(db.session, media_store())
            getattr(form, image_field).errors.append(str(exc))
        else:
            changes.commit(db.session, media_store())
            forget_current_site()
            flash("Saved the site settings.", "success")
            return redirect(url_for("admin.site_settings"))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/site_form.html", form=form, settings=db.session.get(SiteSettings, 1)), status

