"""{% absolute_static 'site.css' %}: the absolute URL of a static file, built from the request.

Sites that serve assets from a CDN or put absolute URLs in pages (feeds, e-mails, Open Graph tags) do this;
it is also exactly where a wrong scheme shows: behind a TLS-terminating proxy that the app does not trust,
this yields http://... inside an https page.
"""
from django import template
from django.templatetags.static import static

register = template.Library()


@register.simple_tag(takes_context=True)
def absolute_static(context, path):
    return context['request'].build_absolute_uri(static(path))
