from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("signup/", views.signup, name="signup"),
    path("2fa/setup/", views.totp_setup, name="2fa_setup"),
    path("2fa/verify/", views.totp_verify, name="2fa_verify"),
    path("password-reset/", views.password_reset, name="password_reset"),
    path("password-reset/sent/", views.password_reset_sent, name="password_reset_sent"),
    path("password-reset/<uidb64>/<token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("password-reset/done/", views.password_reset_done, name="password_reset_done"),
    path("switch/", views.switch_organisation, name="switch"),
    path("profile/", views.profile, name="profile"),
    path("organisation/", views.organisation, name="organisation"),
    path("members/", views.members, name="members"),
    path("members/invite/", views.invite, name="invite"),
    path("members/<int:user_id>/", views.member_edit, name="member_edit"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
