using System.Globalization;
using System.Net;
using Bunit;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;
using MudBlazor.Services;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Accounts;
using PromptLeo.Web.Features.ApiKeys;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Chat;
using PromptLeo.Web.Features.Images;
using PromptLeo.Web.Features.Organizations;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Resources;

namespace PromptLeo.Tests.Web.Privacy;

/// <summary>
/// Issue 17's activity log: each thing a user does to their account and data is done the way the portal does it, and
/// the user's own log then holds the entry, labelled in German and in English.
/// </summary>
public sealed class ActivityLogTests(PortalFactory portal) : IClassFixture<PortalFactory>
{
    private const string Password = "Activity-Log-Passw0rd";

    // What the two tests below do and then find in the user's log, with the German and English labels: the account
    // events first (done over HTTP), then content, keys, budget, export, DPA and retention.
    private static readonly (string Action, string German, string English)[] Proven =
    [
        (AccountAuditActions.Registered, "Konto angelegt", "Account created"),
        (AccountAuditActions.EmailConfirmed, "E-Mail-Adresse bestätigt", "E-mail address confirmed"),
        (AccountAuditActions.SignedIn, "Angemeldet", "Signed in"),
        (AccountAuditActions.SignInFailed, "Anmeldung fehlgeschlagen", "Sign-in failed"),
        (AccountAuditActions.PasswordChanged, "Passwort geändert", "Password changed"),
        (AccountAuditActions.TwoFactorEnabled, "Zwei-Faktor-Authentifizierung eingeschaltet", "Two-factor authentication turned on"),
        (AccountAuditActions.RecoveryCodesGenerated, "Neue Wiederherstellungscodes erzeugt", "New recovery codes generated"),
        (AccountAuditActions.TwoFactorDisabled, "Zwei-Faktor-Authentifizierung ausgeschaltet", "Two-factor authentication turned off"),
        (AccountAuditActions.SignedOut, "Abgemeldet", "Signed out"),
        (AuditActions.ConversationDeleted, "Unterhaltung gelöscht", "Conversation deleted"),
        (AuditActions.ImageDeleted, "Bild gelöscht", "Image deleted"),
        (AuditActions.ApiKeyCreated, "API-Schlüssel erstellt", "API key created"),
        (OrganizationAuditActions.ApiKeyBudgetChanged, "Budget des API-Schlüssels geändert", "API key budget changed"),
        (AuditActions.ApiKeyRevoked, "API-Schlüssel widerrufen", "API key revoked"),
        (OrganizationAuditActions.BudgetChanged, "Budget geändert", "Budget changed"),
        (AuditActions.ExportRequested, "Datenexport angefordert", "Data export requested"),
        (AuditActions.DpaAccepted, "AVV akzeptiert", "DPA accepted"),
        (AuditActions.RetentionChanged, "Aufbewahrungsfrist geändert", "Retention period changed"),
    ];

    private static (string Action, string German, string English)[] AccountEvents => [.. Proven.Where(e => e.Action.StartsWith("account."))];

    private static (string Action, string German, string English)[] ContentEvents => [.. Proven.Where(e => !e.Action.StartsWith("account."))];

    [Fact]
    public async Task AccountEvents_DoneOverHttp_LoggedWithGermanAndEnglishLabels()
    {
        var client = portal.CreateBrowserLikeClient();
        var email = $"log.{Guid.NewGuid():N}@example.de";
        await PortalSession.RegisterConfirmAndLoginAsync(portal, client, email, Password);
        var userId = await UserIdAsync(email);

        // A wrong password from another browser.
        Assert.Equal(HttpStatusCode.OK, (await PortalSession.LoginAsync(portal.CreateBrowserLikeClient(), email, "Wrong-Passw0rd-123")).StatusCode);

        Assert.Equal(HttpStatusCode.Redirect, (await FormPost.SubmitAsync(client, "/Account/Manage/ChangePassword", "change-password", new Dictionary<string, string>
        {
            ["Input.OldPassword"] = Password,
            ["Input.NewPassword"] = Password + "-2",
            ["Input.ConfirmPassword"] = Password + "-2",
        })).StatusCode);

        // Two-factor on with an authenticator code, then off again.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/Account/Manage/EnableAuthenticator")).StatusCode);
        string key;
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            key = (await users.GetAuthenticatorKeyAsync((await users.FindByIdAsync(userId))!))!;
        }
        var enabled = await FormPost.SubmitAsync(client, "/Account/Manage/EnableAuthenticator", "send-code", new Dictionary<string, string> { ["Input.Code"] = Totp.Code(key) });
        // The page answers with the new recovery codes.
        Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            Assert.True((await users.SetTwoFactorEnabledAsync((await users.FindByIdAsync(userId))!, false)).Succeeded);
        }

        var signedOut = await FormPost.PostWithTokenFromAsync(client, "/Account/Manage", "/Account/Logout", new Dictionary<string, string> { ["ReturnUrl"] = "" });
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);

        var entries = await EntriesAsync(userId);
        AssertLogged(entries, AccountEvents);
        Assert.Equal("falsches Passwort", Translate("de", p => AuditText.Details(p, entries.Single(e => e.Action == AccountAuditActions.SignInFailed).Details)));
        // Viewing the authenticator setup creates the first key: that is not a reset the user did.
        Assert.DoesNotContain(entries, e => e.Action == AccountAuditActions.AuthenticatorReset);
        // The password change re-issues the cookie of the same session: one sign-in only.
        Assert.Single(entries, e => e.Action == AccountAuditActions.SignedIn);
    }

    [Fact]
    public async Task ContentKeysBudgetExportDpaRetention_Changed_LoggedWithGermanAndEnglishLabels()
    {
        var user = await PrivacySeed.CreateAsync(portal);
        var services = portal.Services;
        Assert.True(await services.GetRequiredService<ConversationStore>().DeleteAsync(user.Id, user.ConversationId));
        Assert.True(await services.GetRequiredService<ImageGallery>().DeleteAsync(user.Id, user.ImageId));
        var keys = services.GetRequiredService<ApiKeyService>();
        var key = await keys.CreateAsync(user.Id, "log", ApiScopes.All, null, null);
        await keys.SetBudgetAsync(user.Id, key.Key.Id, 12.5m);
        Assert.True(await keys.RevokeAsync(user.Id, key.Key.Id));
        var organizationId = await services.GetRequiredService<OrganizationDirectory>().PersonalIdAsync(user.Id);
        await services.GetRequiredService<BillingAccounts>().SaveSettingsAsync(user.Id, organizationId, BillingMode.Postpaid, 1234.5m);
        await services.GetRequiredService<DataExportService>().RequestAsync(user.Id);
        var privacy = services.GetRequiredService<PrivacyCenter>();
        await privacy.AcceptDpaAsync(user.Id, "Zylinski GmbH", "Domplatz 1, 50667 Köln", null, null);
        await privacy.SetRetentionAsync(user.Id, 30, null);

        var entries = await EntriesAsync(user.Id);
        AssertLogged(entries, ContentEvents);

        // Details: words in the reader's language, micro-euros as money in the reader's culture.
        var budget = entries.First(e => e.Action == OrganizationAuditActions.BudgetChanged).Details;
        Assert.Equal("Budget der Organisation 1.234,50 €, Modus auf Rechnung", Translate("de", p => AuditText.Details(p, budget)));
        Assert.Equal("organization budget 1,234.50 €, mode pay by invoice", Translate("en", p => AuditText.Details(p, budget)));
        Assert.Equal($"Unterhaltung {user.ConversationId}", Translate("de", p => AuditText.Details(p, entries.Single(e => e.Action == AuditActions.ConversationDeleted).Details)));
    }

    [Theory]
    [InlineData("de", "Rolle im Portal geändert", "Einladung 7, Rolle Inhaber", "Mitglied eingeladen")]
    [InlineData("en", "Site role changed", "invitation 7, role owner", "Member invited")]
    public async Task View_OwnLog_ShowsLabelsAndDetailsInTheReadersLanguage(string culture, string roleLabel, string invitation, string invitedLabel)
    {
        var user = await PrivacySeed.CreateAsync(portal);
        var audit = portal.Services.GetRequiredService<AuditLog>();
        await audit.WriteAsync(AuditActions.System, user.Id, AuditActions.RoleChanged, "added to Admin");
        await audit.WriteAsync(user.Id, user.Id, OrganizationAuditActions.MemberInvited, "invitation 7, role Owner");

        await using var context = new BunitContext();
        context.Services.AddMudServices();
        context.Services.AddLocalization();
        context.Services.AddSingleton(audit);
        context.JSInterop.Mode = JSRuntimeMode.Loose;
        var previous = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo(culture);
        try
        {
            var view = context.Render<AuditLogView>(p => p.Add(v => v.SubjectId, user.Id));
            view.WaitForAssertion(() => Assert.NotEmpty(view.FindAll("[data-action='org.member-invited']")));
            Assert.Equal(roleLabel, view.Find("[data-action='account.role-changed']").TextContent);
            Assert.Equal(invitedLabel, view.Find("[data-action='org.member-invited']").TextContent);
            Assert.Contains(view.FindAll("td"), cell => cell.TextContent == invitation);
            Assert.DoesNotContain("org.member-invited", view.Find("tbody").TextContent);
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = previous;
        }
    }

    [Fact]
    public void LoggedEvents_ListedActivity_IsExactlyWhatTheseTestsProveWritten()
    {
        var proven = Proven.Select(e => e.Action).Order().ToList();
        Assert.Equal(proven, AuditText.LoggedEvents.SelectMany(e => e.Actions).Order().ToList());
    }

    /// <summary>Each action is in the user's log, and its label reads as given in German and English.</summary>
    private void AssertLogged(List<AuditEntry> entries, (string Action, string German, string English)[] expected)
    {
        foreach (var (action, german, english) in expected)
        {
            Assert.True(entries.Any(e => e.Action == action), $"{action} is not in the user's log: {string.Join(", ", entries.Select(e => e.Action))}");
            Assert.Equal(german, Translate("de", p => AuditText.Action(p, action)));
            Assert.Equal(english, Translate("en", p => AuditText.Action(p, action)));
        }
    }

    private string Translate(string culture, Func<IStringLocalizer, string> text) => Translate(portal.Services, culture, text);

    /// <summary>The text in <paramref name="culture"/>, through the Privacy resources of the portal's services.</summary>
    internal static string Translate(IServiceProvider services, string culture, Func<IStringLocalizer, string> text)
    {
        var previous = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo(culture);
        try
        {
            return text(services.GetRequiredService<IStringLocalizer<PrivacyResource>>());
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = previous;
        }
    }

    /// <summary>The user's own log, as the Privacy Center queries it.</summary>
    private async Task<List<AuditEntry>> EntriesAsync(string userId) =>
        [.. (await portal.Services.GetRequiredService<AuditLog>().QueryAsync(new AuditQuery(userId, PageSize: 200))).Items];

    private async Task<string> UserIdAsync(string email)
    {
        await using var db = await portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.Users.Where(u => u.Email == email).Select(u => u.Id).SingleAsync();
    }
}
