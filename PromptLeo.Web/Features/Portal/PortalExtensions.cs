using Microsoft.AspNetCore.Localization;
using MudBlazor;
using MudBlazor.Services;
using PromptLeo.Web.Components;
using PromptLeo.Web.Features.Accounts;
using PromptLeo.Web.Features.Hosting;
using PromptLeo.Web.Features.Preferences;

namespace PromptLeo.Web.Features.Portal;

public static class PortalExtensions
{
    /// <summary>Blazor Server with MudBlazor, German/English localization and the hosting options.</summary>
    public static IHostApplicationBuilder AddPromptLeoPortal(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddTransient<MudLocalizer, PortalMudLocalizer>();
        services.AddLocalization();
        services.Configure<RequestLocalizationOptions>(options =>
        {
            options.SetDefaultCulture("en")
                .AddSupportedCultures(UserPreferenceCookies.SupportedCultures)
                .AddSupportedUICultures(UserPreferenceCookies.SupportedCultures);
            options.FallBackToParentUICultures = true;
            // Cookie first (explicit choice), then the browser's Accept-Language.
            options.RequestCultureProviders = [new CookieRequestCultureProvider(), new AcceptLanguageHeaderRequestCultureProvider()];
        });
        services.AddExceptionHandler<ClientErrorHandler>();
        services.AddSingleton<LandingCatalog>();
        return builder;
    }

    /// <summary>The middleware pipeline, in order.</summary>
    public static WebApplication UsePromptLeoPipeline(this WebApplication app)
    {
        var hosting = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<HostingOptions>>().Value;
        // First: everything after it (errors, HTTPS, HSTS, cookies, recorded addresses) sees the client's scheme and address.
        app.UseForwardedHeaders();
        if (app.Environment.IsDevelopment())
        {
            app.UseMigrationsEndPoint();
        }
        else
        {
            app.UseExceptionHandler("/Error", createScopeForErrors: true);
        }
        if (hosting.UseHttpsRedirection)
        {
            app.UseHsts();
            app.UseHttpsRedirection();
        }
        app.UseMiddleware<SecurityHeadersMiddleware>();
        app.UseStatusCodePagesWithReExecute("/status/{0}", createScopeForStatusCodePages: true);
        app.UseMiddleware<Api.ApiErrorBoundary>();
        app.UseRequestLocalization();
        app.UseMiddleware<FormPostStatusMessages>();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        return app;
    }

    public static WebApplication MapPromptLeoEndpoints(this WebApplication app)
    {
        app.MapStaticAssets();
        app.MapHealthChecks("/health", new() { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new() { Predicate = check => check.Tags.Contains("ready") });
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        app.MapAdditionalIdentityEndpoints();
        return app;
    }
}
