using PromptLeo.Web.Features.Accounts;
using System.Security.Claims;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace PromptLeo.Web.Features.Sessions;

public static class SessionsExtensions
{
    /// <summary>Tracked browser sessions: list, sign out one or everywhere, end on password, role and account changes.</summary>
    public static IHostApplicationBuilder AddPromptLeoSessions(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<SessionsOptions>().BindConfiguration(SessionsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddMemoryCache();
        services.AddSingleton<SessionStore>();
        services.AddSingleton<Cluster.IClusterInvalidationHandler>(sp => sp.GetRequiredService<SessionStore>());
        services.AddHostedService<SessionPurgeService>();
        services.AddSingleton<Privacy.IExportContributor, SessionExportContributor>();
        services.AddSingleton<Privacy.IErasureParticipant, SessionErasureParticipant>();

        services.AddOptions<CookieAuthenticationOptions>(IdentityConstants.ApplicationScheme)
            .PostConfigure(options => SessionCookieEvents.Attach(options.Events));
        services.AddOptions<SecurityStampValidatorOptions>()
            .Configure<IOptions<SessionsOptions>>((stamp, sessions) =>
            {
                stamp.ValidationInterval = sessions.Value.ValidationInterval;
                var refreshing = stamp.OnRefreshingPrincipal;
                // A refreshed principal is built from the database; the browser keeps its session id.
                stamp.OnRefreshingPrincipal = async context =>
                {
                    if (refreshing is not null)
                    {
                        await refreshing(context);
                    }
                    if (context.CurrentPrincipal?.FindFirst(SessionStore.ClaimType) is { } sid
                        && context.NewPrincipal?.Identity is ClaimsIdentity identity && !identity.HasClaim(c => c.Type == SessionStore.ClaimType))
                    {
                        identity.AddClaim(new Claim(SessionStore.ClaimType, sid.Value));
                    }
                };
            });
        return builder;
    }
}
