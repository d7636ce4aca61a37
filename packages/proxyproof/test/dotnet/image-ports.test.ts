// The .NET container images' default listener (dotnet/dotnet-docker runtime-deps, which aspnet builds on):
// `ASPNETCORE_URLS=http://+:80` before .NET 8, `ASPNETCORE_HTTP_PORTS=8080` from .NET 8; a Dockerfile's own ENV wins,
// stage aliases are followed to the image the final stage runs on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dotnetImageListener } from '../../src/collectors/dotnet/collector.js';
import { lintFiles } from '../python/lint-files.js';

const bind = (df: string) => dotnetImageListener('Dockerfile', df)?.binds.map((b) => `${b.host}:${b.port}@${b.ref?.line}`);

for (const c of [
  { name: '.NET 6 image: port 80', df: 'FROM mcr.microsoft.com/dotnet/aspnet:6.0\nCOPY . /app\n', want: ['0.0.0.0:80@1'] },
  {
    name: '.NET 7 through stage aliases: port 80',
    df: 'FROM mcr.microsoft.com/dotnet/aspnet:7.0 AS base\nFROM mcr.microsoft.com/dotnet/sdk:7.0 AS build\nRUN dotnet publish\nFROM base AS final\nCOPY --from=build /app .\n',
    want: ['0.0.0.0:80@1'],
  },
  { name: '.NET 8 image: port 8080', df: 'FROM mcr.microsoft.com/dotnet/aspnet:8.0\n', want: ['0.0.0.0:8080@1'] },
  {
    name: 'the Dockerfile ENV wins over the image default',
    df: 'FROM mcr.microsoft.com/dotnet/aspnet:8.0 AS base\nENV ASPNETCORE_URLS=http://+:5000\nFROM base\n',
    want: ['0.0.0.0:5000@2'],
  },
  {
    name: 'ENV ASPNETCORE_HTTP_PORTS in the legacy form',
    df: 'FROM mcr.microsoft.com/dotnet/aspnet:8.0\nENV ASPNETCORE_HTTP_PORTS 5080\n',
    want: ['0.0.0.0:5080@2'],
  },
  {
    name: 'trap: the final stage is not a .NET image (only the build is)',
    df: 'FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build\nRUN dotnet publish\nFROM nginx:1.25\n',
    want: undefined,
  },
]) {
  test(`dotnetImageListener: ${c.name}`, () => assert.deepEqual(bind(c.df), c.want));
}

test('a compose service built from a .NET 8 Dockerfile: Kestrel listens on the image port 8080, published by compose', async () => {
  const { facts } = await lintFiles({
    'src/Program.cs':
      'var builder = WebApplication.CreateBuilder(args);\nvar app = builder.Build();\napp.UseForwardedHeaders();\napp.Run();\n',
    'src/Dockerfile': 'FROM mcr.microsoft.com/dotnet/aspnet:8.0\nCOPY . /app\nENTRYPOINT ["dotnet", "App.dll"]\n',
    'docker-compose.yml':
      'services:\n  api:\n    build:\n      context: ./src\n      dockerfile: Dockerfile\n    ports:\n      - "8080:8080"\n',
  });
  const kestrel = facts.appServers.find((a) => a.name === 'kestrel');
  assert.deepEqual(
    kestrel?.binds.map((b) => [b.host, b.port, b.container, b.published?.hostPort]),
    [['0.0.0.0', 8080, true, 8080]],
  );
  assert.equal(kestrel?.service, 'api');
  assert.match(kestrel?.notes?.join(' ') ?? '', /\.NET 8 image's default ASPNETCORE_HTTP_PORTS=8080/);
});
