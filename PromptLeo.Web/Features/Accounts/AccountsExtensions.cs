using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using PromptLeo.Web.Components.Account;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Preferences;

namespace PromptLeo.Web.Features.Accounts;

public static class AccountsExtensions
{
    /// <summary>ASP.NET Core Identity with roles, lockout, 2FA tokens and the account e-mails.</summary>
    public static IHostApplicationBuilder AddPromptLeoAccounts(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.SectionName);
        services.AddCascadingAuthenticationState();
        services.AddScoped<IdentityRedirectManager>();
        services.AddScoped<AuthenticationStateProvider, IdentityRevalidatingAuthenticationStateProvider>();

        services.AddAuthentication(options =>
            {
                options.DefaultScheme = IdentityConstants.ApplicationScheme;
                options.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            .AddIdentityCookies();

        services.AddAuthorizationBuilder()
            .AddPolicy(Roles.Admin, policy => policy.RequireRole(Roles.Admin));

        services.AddIdentityCore<ApplicationUser>(options =>
            {
                options.SignIn.RequireConfirmedAccount = true;
                options.User.RequireUniqueEmail = true;
                options.Password.RequiredLength = 10;
                options.Password.RequireNonAlphanumeric = false;
                // Counts only second-factor failures: password failures get growing waits instead (SignInThrottle).
                options.Lockout.MaxFailedAccessAttempts = 5;
                options.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(15);
                options.Lockout.AllowedForNewUsers = true;
                options.Stores.SchemaVersion = AppDbContext.IdentitySchema;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<AppDbContext>()
            .AddUserManager<AuditingUserManager>()
            .AddSignInManager<PromptLeoSignInManager>()
            .AddClaimsPrincipalFactory<DisplayNameClaimsFactory>()
            .AddErrorDescriber<LocalizedIdentityErrorDescriber>()
            .AddDefaultTokenProviders();

        services.Configure<DataProtectionTokenProviderOptions>(o => o.TokenLifespan = TimeSpan.FromHours(24));

        services.ConfigureApplicationCookie(options =>
        {
            options.LoginPath = "/Account/Login";
            options.AccessDeniedPath = "/Account/AccessDenied";
            options.Cookie.Name = "PromptLeo.Auth";
            options.Cookie.SameSite = SameSiteMode.Lax;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            // Handlers are added to Identity's events object, never replacing it: it carries the security-stamp check
            // that signs out other sessions after a password change, sign-out everywhere, a role change or erasure.
            // A signed-in user without the role gets a real 403, rendered by the status page.
            options.Events.OnRedirectToAccessDenied = context =>
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                return Task.CompletedTask;
            };
            options.Events.OnSignedIn = UserPreferenceCookies.ApplyOnSignInAsync;
        });

        services.AddOptions<SignInThrottleOptions>().BindConfiguration(SignInThrottleOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SignInThrottle>();
        services.AddScoped<AccountProvisioner>();
        return builder;
    }

    public static async Task ProvisionAccountsAsync(this IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        // Nodes starting together on one PostgreSQL database would both create the roles and the admin.
        await using var startup = await Storage.StartupLock.AcquireAsync(services, "promptleo:provision-accounts");
        var provisioner = scope.ServiceProvider.GetRequiredService<AccountProvisioner>();
        await provisioner.EnsureRolesAsync();
        await provisioner.EnsureConfiguredAdminAsync();
    }
}
