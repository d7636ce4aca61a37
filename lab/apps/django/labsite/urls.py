from django.conf import settings
from django.urls import path, re_path
from django.views.static import serve

from . import views

urlpatterns = [
    path('', views.index, name='index'),
    # A second section with the same page: scenario 4 proxies it through its own nginx location.
    path('reports/', views.index, name='reports'),
    path('whoami', views.whoami, name='whoami'),
    path('submit/', views.submit, name='submit'),
    path('login/', views.login_view, name='login'),
    path('private/', views.private, name='private'),
    path('healthz', views.healthz, name='healthz'),
    # The site serves its own static files, so that every proxy kind of the lab (HAProxy cannot serve files)
    # fronts the same app; nginx deployments may still alias /static/ to STATIC_ROOT.
    re_path(r'^static/(?P<path>.*)$', serve, {'document_root': settings.STATIC_ROOT}),
]
