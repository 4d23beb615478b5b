using System.Reflection;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Endpoints;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.StaticAssets;
using Microsoft.Extensions.DependencyInjection;

namespace PromptLeo.Tests.Fixtures;

/// <summary>One route of the app: its verb ("*" when it takes any) and its pattern as written.</summary>
public sealed record AppRoute(string Method, string Pattern)
{
    public bool HasParameters => Pattern.Contains('{');

    public override string ToString() => $"{Method} {Pattern}";
}

/// <summary>Every route of the running app: the endpoints (<see cref="EndpointDataSource"/>) and every routable page (by reflection).</summary>
public static class AppRoutes
{
    public static IReadOnlySet<AppRoute> Of(IServiceProvider services)
    {
        var routes = new HashSet<AppRoute>();
        foreach (var endpoint in services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            // Hashed static files (MapStaticAssets) are public by design.
            if (endpoint.Metadata.GetMetadata<StaticAssetDescriptor>() is not null)
            {
                continue;
            }
            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"];
            // Pages are reached by GET; their POSTs are form handlers behind antiforgery. HEAD is GET's twin.
            var isPage = endpoint.Metadata.GetMetadata<ComponentTypeMetadata>() is not null;
            foreach (var method in methods.Where(m => !(isPage && m == "POST") && !(m == "HEAD" && methods.Contains("GET"))))
            {
                routes.Add(new AppRoute(method, endpoint.RoutePattern.RawText!));
            }
        }
        routes.UnionWith(typeof(Program).Assembly.GetTypes().SelectMany(t => t.GetCustomAttributes<RouteAttribute>()).Select(r => new AppRoute("GET", r.Template)));
        return routes;
    }
}
