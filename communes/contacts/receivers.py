"""Signal receivers of the contacts: a login is activity (RGPD retention)."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .services import contact_touch_user


@receiver(user_logged_in, dispatch_uid="communes.contacts.touch_on_login")
def touch_contact_on_login(sender, request, user, **kwargs):
    contact_touch_user(user=user)
