<?php
// The front controller of a small Symfony HttpFoundation app (Debian's php-symfony-http-foundation). The page
// builds its absolute URLs from what the Request believes is its origin: getSchemeAndHttpHost().
use Symfony\Component\HttpFoundation\Cookie;
use Symfony\Component\HttpFoundation\JsonResponse;
use Symfony\Component\HttpFoundation\Request;
use Symfony\Component\HttpFoundation\Response;

require '/usr/share/php/Symfony/Component/HttpFoundation/autoload.php';

// The load balancer reaches PHP through nginx on this host: trust X-Forwarded-* from loopback only.
Request::setTrustedProxies(['127.0.0.1'], Request::HEADER_X_FORWARDED_FOR | Request::HEADER_X_FORWARDED_PROTO);

$request = Request::createFromGlobals();

$seen = [
    'scheme' => $request->getScheme(),
    'is_secure' => $request->isSecure(),
    'build_absolute_uri' => $request->getUri(),
    'get_host' => $request->getHttpHost(),
    'remote_addr' => $request->getClientIp(),
    'x_forwarded_proto' => $request->headers->get('X-Forwarded-Proto'),
    'https' => $request->server->get('HTTPS'),
];

if ($request->getPathInfo() === '/whoami') {
    (new JsonResponse($seen))->send();
    return;
}

$base = $request->getSchemeAndHttpHost();
$json = str_replace('</', '<\/', json_encode($seen));
$response = new Response(<<<HTML
<!doctype html>
<html><head><title>Lab Symfony</title><link rel="stylesheet" href="{$base}/static/site.css"></head>
<body><h1>Lab Symfony</h1>
<form method="post" action="{$base}/submit/"><button>Send</button></form>
<script type="application/json" id="seen">{$json}</script>
</body></html>
HTML);
$response->headers->setCookie(Cookie::create('labsession', '1', 0, '/', null, $request->isSecure()));
$response->send();
