<?php

// Composer's vendor/autoload.php, for a Laravel app on Debian's packaged framework (php-laravel-framework 8.83):
// the framework's own autoloader, and the app's App\ namespace (PSR-4 from app/, as composer.json maps it).
require_once '/usr/share/php/Illuminate/autoload.php';

spl_autoload_register(function (string $class): void {
    if (str_starts_with($class, 'App\\')) {
        $file = __DIR__.'/../app/'.str_replace('\\', '/', substr($class, 4)).'.php';
        if (is_file($file)) {
            require $file;
        }
    }
});
