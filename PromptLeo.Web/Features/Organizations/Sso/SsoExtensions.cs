using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace PromptLeo.Web.Features.Organizations.Sso;

public static class SsoExtensions
{
    /// <summary>OpenID Connect single sign-on per organization with just-in-time membership.</summary>
    public static IHostApplicationBuilder AddPromptLeoSso(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<SsoOptions>().BindConfiguration(SsoOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SsoSchemes>();
        services.AddSingleton<SsoEvents>();
        services.AddScoped<SsoSignIn>();
        services.AddSingleton<OrganizationSsoSettings>();
        services.AddSingleton<IConfigureOptions<OpenIdConnectOptions>, SsoOpenIdConnectOptionsSetup>();
        // What AddOpenIdConnect registers for a static scheme: state, nonce and correlation protection, the metadata manager.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IPostConfigureOptions<OpenIdConnectOptions>, OpenIdConnectPostConfigureOptions>());
        services.AddSingleton<Privacy.IExportContributor, SsoLoginExportContributor>();
        services.AddTransient<IStartupFilter, SsoCallbackStartupFilter>();
        return builder;
    }
}

/// <summary>
/// Before authentication runs, makes sure the scheme of the organization whose callback this is exists (and is current) on
/// this node: after a restart, on another node behind the load balancer, or after its owner changed the settings.
/// </summary>
internal sealed class SsoCallbackStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, nextMiddleware) =>
        {
            if (context.Request.Path.StartsWithSegments(SsoSchemes.CallbackPrefix, StringComparison.Ordinal, out var rest)
                && Guid.TryParseExact(rest.Value?.Trim('/'), "N", out var organizationId))
            {
                await context.RequestServices.GetRequiredService<SsoSchemes>().EnsureAsync(organizationId, context.RequestAborted);
            }
            await nextMiddleware(context);
        });
        next(app);
    };
}
