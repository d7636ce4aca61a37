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
  // Retired Docker Hub names (dotnet/dotnet-docker 2.2/runtime-deps, aspnet/aspnet-docker 2.0/stretch/runtime: both set
  // ASPNETCORE_URLS=http://+:80). Held-out trial: OllieDay/asp-net-core-nginx-https-docker-compose-example.
  {
    name: 'microsoft/dotnet 2.2 aspnetcore-runtime (Docker Hub): port 80',
    df: 'FROM microsoft/dotnet:2.2.100-sdk-alpine3.8 AS build\nRUN dotnet publish\nFROM microsoft/dotnet:2.2.0-aspnetcore-runtime-alpine3.8\nCOPY --from=build /app/out .\n',
    want: ['0.0.0.0:80@3'],
  },
  {
    name: 'microsoft/dotnet 2.1 runtime-deps: port 80',
    df: 'FROM microsoft/dotnet:2.1-runtime-deps-alpine\n',
    want: ['0.0.0.0:80@1'],
  },
  { name: 'microsoft/aspnetcore 2.0: port 80', df: 'FROM microsoft/aspnetcore:2.0\n', want: ['0.0.0.0:80@1'] },
  { name: 'microsoft/aspnetcore without a tag: port 80', df: 'FROM microsoft/aspnetcore\n', want: ['0.0.0.0:80@1'] },
  {
    name: 'trap: a retired SDK image is no runtime image',
    df: 'FROM microsoft/dotnet:2.2-sdk\nRUN dotnet publish\n',
    want: undefined,
  },
  {
    name: 'trap: another publisher under a similar name',
    df: 'FROM myorg/microsoft-dotnet:2.2-aspnetcore-runtime\n',
    want: undefined,
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

test('a compose service built on the retired microsoft/dotnet 2.2 runtime image: Kestrel on :80 is the hop nginx reaches', async () => {
  const { facts } = await lintFiles({
    'Example.App/Program.cs':
      'public static class Program {\n  public static void Main(string[] args) {\n    WebHost.CreateDefaultBuilder(args).UseStartup<Startup>().Build().Run();\n  }\n}\n',
    'Example.App/Dockerfile':
      'FROM microsoft/dotnet:2.2.100-sdk-alpine3.8 AS build\nRUN dotnet publish -o out\nFROM microsoft/dotnet:2.2.0-aspnetcore-runtime-alpine3.8\nCOPY --from=build /app/out .\nENTRYPOINT ["dotnet", "Example.App.dll"]\n',
    'docker-compose.yml':
      'services:\n  example.app:\n    build: Example.App\n  proxy:\n    image: nginx:1.25\n    ports: ["443:443"]\n',
  });
  const kestrel = facts.appServers.find((a) => a.name === 'kestrel');
  assert.deepEqual(
    kestrel?.binds.map((b) => [b.host, b.port, b.container]),
    [['0.0.0.0', 80, true]],
  );
  assert.equal(kestrel?.service, 'example.app');
});
