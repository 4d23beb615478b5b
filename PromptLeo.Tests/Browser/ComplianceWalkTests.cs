using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Tests.Web.Breaches;
using PromptLeo.Tests.Web.Privacy;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Breaches;

namespace PromptLeo.Tests.Browser;

/// <summary>The browser portal with Stripe configured against a loopback <see cref="StripeStub"/>.</summary>
public sealed class StripeBrowserPortal : BrowserPortal
{
    public const string WebhookSecret = "whsec_PromptLeoWalkSigningSecret";

    public StripeBrowserPortal() => Stripe = StripeStub.StartAsync().GetAwaiter().GetResult();

    public StripeStub Stripe { get; }

    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>(base.ExtraSettings)
    {
        ["Payments:Provider"] = "Stripe",
        ["Payments:StripeSecretKey"] = "sk_test_51PromptLeoWalkSecretKey",
        ["Payments:StripeWebhookSecret"] = WebhookSecret,
        ["Payments:StripeApiBase"] = Stripe.BaseUrl,
        ["Payments:MinTopUpEur"] = "5",
        ["Payments:MaxTopUpEur"] = "500",
    };

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Stripe.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}

/// <summary>One page of the walk: where it is, the element that must be reachable, and what must be seen on it.</summary>
public sealed record WalkStop(string Name, string Path, string PrimaryAction, params string[] AlsoVisible);

/// <summary>
/// The pages that came with the compliance round, walked as an admin and as a customer (accepted DPA, a booked Stripe
/// top-up, VAT id and Leitweg-ID in the profile) on a 1280 px desktop and a 390×844 phone, in German and English, light and
/// dark. Each view: nothing sticks out sideways (tables scroll inside <c>.pl-table-scroll</c>), the primary action can be
/// reached, no marker word of the other language shows, and a screenshot is saved.
/// </summary>
public sealed class ComplianceWalkTests(StripeBrowserPortal portal) : IClassFixture<StripeBrowserPortal>
{
    private const string Password = "Walk-Compliance-Passw0rd";

    [Fact]
    public async Task NewPages_AdminAndCustomer_EveryScreenLanguageAndTheme_FitReachableAndInOneLanguage()
    {
        // The customer accepts the DPA first: only customers bound by it when a change is announced are notified and see the banner.
        var customer = await CustomerAsync();
        var changeId = await AnnounceChangeAsync();
        var incidentId = await RecordIncidentAsync();
        var banner = $".pl-subprocessor-banner[data-change-id='{changeId}']";

        WalkStop[] admin =
        [
            new("admin", "/admin", "#admin-subprocessors-link", "#admin-incidents-link"),
            new("incidents", "/admin/incidents", "#record-incident", "#incidents-table"),
            new("incident", $"/admin/incidents/{incidentId}", "#notify-users", "#affected-table", "#mark-notified"),
            new("subprocessors", "/admin/subprocessors", "#subprocessor-announce", "#subprocessor-changes-admin"),
        ];
        WalkStop[] user =
        [
            new("dpa", "/privacy/dpa", "#objection-submit", banner, "#subprocessor-changes"),
            new("billing", "/billing", "#top-up-submit", "#billing-payments a", banner),
            new("profile", "/Account/Manage", "#profile-submit", "#Input\\.LeitwegId"),
            new("erase", "/privacy/erase", "#erase-submit", "#erase-evidence"),
            new("privacy-policy", "/datenschutz", "#privacy-notice-version"),
        ];
        var problems = new List<string>();
        foreach (var culture in new[] { "de", "en" })
        {
            await WalkAsync(PortalFactory.AdminEmail, PortalFactory.AdminPassword, culture, admin, problems);
            await WalkAsync(customer, Password, culture, user, problems);
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    /// <summary>The resx side of "in one language": every localizer key the walked pages use has a German entry.</summary>
    [Theory]
    [InlineData("BillingResource", "B", "Features/Billing")]
    [InlineData("PrivacyResource", "P", "Features/SubProcessors")]
    [InlineData("PrivacyResource", "P", "Features/Privacy")]
    [InlineData("PrivacyResource", "Privacy", "Features/Admin")]
    public void WalkedPages_LocalizerKeys_HaveGermanEntries(string resource, string localizer, string folder)
    {
        var keys = GermanStrings.Keys(new Regex(@"\b" + localizer + """\["((?:[^"\\]|\\.)+)"[,\]]"""), 1, folder);
        var missing = GermanStrings.Missing(GermanStrings.Load(resource), keys);
        Assert.NotEmpty(keys);
        Assert.True(missing.Count == 0, "Missing German strings:\n" + string.Join("\n", missing));
    }

    /// <summary>One signed-in context per person and language; viewport and theme change between the views.</summary>
    private async Task WalkAsync(string email, string password, string culture, WalkStop[] stops, List<string> problems)
    {
        var page = await portal.NewPageAsync();
        await BrowserPortal.LoginAsync(page, email, password);
        foreach (var theme in new[] { "light", "dark" })
        {
            await SetPreferencesAsync(page, portal.BaseUrl, culture, theme);
            foreach (var width in new[] { 1280, 390 })
            {
                await page.SetViewportSizeAsync(width, width < 600 ? 844 : 900);
                foreach (var stop in stops)
                {
                    var name = $"walk-{stop.Name}-{culture}-{theme}-{width}";
                    try
                    {
                        await CheckAsync(page, stop, name, culture);
                    }
                    catch (Exception failure) when (failure is PlaywrightException or Xunit.Sdk.XunitException)
                    {
                        // Every view is still walked and saved, so one run lists all that is wrong.
                        problems.Add($"{name}: {failure.Message.Split('\n')[0]}");
                        await BrowserPortal.ScreenshotAsync(page, name);
                    }
                }
            }
        }
        await page.Context.CloseAsync();
    }

    private static async Task CheckAsync(IPage page, WalkStop stop, string name, string culture)
    {
        var response = await page.GotoAsync(stop.Path);
        Assert.True(response!.Ok, $"{name}: {stop.Path} answered {response.Status}");
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", new Regex("^" + culture));
        foreach (var selector in stop.AlsoVisible)
        {
            await Assertions.Expect(page.Locator(selector).First).ToBeVisibleAsync();
        }
        await AssertReachableAsync(page, stop.PrimaryAction);

        // Proper names of German authorities stay German in the English policy; settings and catalog texts are data.
        var text = AuthorityName.Replace(await page.Locator("body").InnerTextAsync(), "");
        foreach (var data in await page.Locator(DataText).AllInnerTextsAsync())
        {
            text = text.Replace(data, "");
        }
        var foreign = (culture == "de" ? EnglishMarkers : GermanMarkers).Matches(text).Select(m => Around(text, m)).Distinct().ToList();
        Assert.True(foreign.Count == 0, $"{name}: words of the other language: {string.Join(" | ", foreign)}");

        await AssertNothingSticksOutAsync(page, name);
        // From the top, so the fixed app bar is not painted into the middle of the full-page shot.
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await BrowserPortal.ScreenshotAsync(page, name);
    }

    /// <summary>Scrolls the action into view and expects all of it on screen; retried because the interactive render replaces the prerendered element.</summary>
    internal static async Task AssertReachableAsync(IPage page, string selector)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var action = page.Locator(selector).First;
                await action.ScrollIntoViewIfNeededAsync(new() { Timeout = 5_000 });
                await Assertions.Expect(action).ToBeInViewportAsync(new() { Ratio = 0.98f, Timeout = 2_000 });
                return;
            }
            catch (PlaywrightException failure)
            {
                if (attempt == 4)
                {
                    var where = await page.EvaluateAsync<string>($"() => {{ const r = document.querySelector('{selector}').getBoundingClientRect(); return `top ${{r.top}} bottom ${{r.bottom}} left ${{r.left}} right ${{r.right}} window ${{innerWidth}}x${{innerHeight}} scrollY ${{scrollY}}`; }}");
                    throw new PlaywrightException($"{selector} not reachable: {where}; {failure.Message.Split('\n')[0]}");
                }
            }
        }
    }

    // The operator's setting values (shown as suggestions) and the model catalog's licence summaries are English data, not UI text.
    private const string DataText = "#measures-unconfirmed li, #admin-models, #model-install .catalog-row .mud-typography-caption";

    private static readonly Regex AuthorityName = new(@"(Der|Die) [^,]*Beauftragte für Datenschutz und Informationsfreiheit", RegexOptions.Compiled);

    // Words that are UI text in one language only ("Download" is German too); the seeded data avoids them.
    private static readonly Regex EnglishMarkers = new(@"\b(the|and|with|your|you|Save|Cancel|Delete|Settings|Incident|Objection|Announce|Record|Notify|Submit|Sub-processors?)\b", RegexOptions.Compiled);
    private static readonly Regex GermanMarkers = new(@"\b(und|der|die|das|mit|Ihre?|Sie|Speichern|Herunterladen|Abbrechen|Löschen|Einstellungen|Vorfall|Widerspruch|Ankündigen|Unterauftragsverarbeiter)\b", RegexOptions.Compiled);

    private static string Around(string text, Match match)
    {
        var start = Math.Max(0, match.Index - 30);
        return text.Substring(start, Math.Min(text.Length - start, match.Length + 60)).ReplaceLineEndings(" ");
    }

    /// <summary>Fails naming the outermost elements wider than the screen; what scrolls sideways inside its own box (tables, the account tab strip) is fine.</summary>
    internal static async Task AssertNothingSticksOutAsync(IPage page, string name)
    {
        var width = page.ViewportSize!.Width;
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        var culprits = await page.EvaluateAsync<string[]>($$"""
            () => [...document.querySelectorAll('body *')]
              .filter(e => { for (let a = e.parentElement; a; a = a.parentElement) { if (['auto', 'scroll'].includes(getComputedStyle(a).overflowX) && a !== document.documentElement && a !== document.body) return false; } return true; })
              .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.right > {{width}} + 1; })
              .filter(e => !(e.parentElement && e.parentElement.getBoundingClientRect().right > {{width}} + 1))
              .slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className + ' (' + Math.round(e.getBoundingClientRect().right) + ')')
            """);
        Assert.True(overflow <= width && culprits.Length == 0,
            $"{name}: the page is {overflow} px wide on a {width} px screen; sticking out: {string.Join(", ", culprits)}");
    }

    internal static async Task SetPreferencesAsync(IPage page, string baseUrl, string culture, string theme)
    {
        var host = new Uri(baseUrl).Host;
        await page.Context.AddCookiesAsync(
        [
            new Microsoft.Playwright.Cookie { Name = ".AspNetCore.Culture", Value = $"c={culture}|uic={culture}", Domain = host, Path = "/" },
            new Microsoft.Playwright.Cookie { Name = "PromptLeo.Theme", Value = theme, Domain = host, Path = "/" },
        ]);
    }

    private async Task<Guid> AnnounceChangeAsync()
    {
        var admin = await LegalPagesTests.AdminAsync(portal);
        var response = await FormPost.SubmitAsync(admin, "/admin/subprocessors", "announce-subprocessor-change", new Dictionary<string, string>
        {
            ["Input.Kind"] = "Addition",
            ["Input.Name"] = "Nordlicht Backup GmbH",
            ["Input.Address"] = "Hafenstraße 12, 20457 Hamburg",
            ["Input.Service"] = "Backup",
            ["Input.Location"] = "Hamburg",
            ["Input.InEea"] = "true",
        });
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        await using var db = await portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        return await db.SubProcessorChanges.Where(c => c.Added!.Name == "Nordlicht Backup GmbH").Select(c => c.Id).SingleAsync();
    }

    /// <summary>An incident whose window and model cover processing records of two accounts.</summary>
    private async Task<int> RecordIncidentAsync()
    {
        var model = "walk-model-" + Guid.NewGuid().ToString("N")[..8];
        var now = DateTimeOffset.UtcNow;
        foreach (var language in new[] { "de", "en" })
        {
            await BreachSeed.RecordAsync(portal, await BreachSeed.UserAsync(portal, language), model, now.AddHours(-3));
        }
        return await BreachSeed.IncidentAsync(portal.Services, "walk-admin", "S3-Bucket walk-7 / log shipper 2.4", BreachRisk.HighRisk, model);
    }

    /// <summary>A company customer with VAT id, XRechnung and Leitweg-ID, an accepted DPA and a top-up Stripe confirmed.</summary>
    private async Task<string> CustomerAsync()
    {
        var email = $"walk-{Guid.NewGuid():N}@firma-example.de";
        string userId;
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            var user = new ApplicationUser
            {
                UserName = email, Email = email, EmailConfirmed = true, DisplayName = "Renate Zylinski", CompanyName = "Zylinski Maschinenbau GmbH",
                BillingStreet = "Domplatz 1", BillingPostalCode = "50667", BillingCity = "Köln", BillingCountry = "DE",
                VatId = "DE123456789", EInvoiceFormat = EInvoiceFormat.XRechnung, LeitwegId = "991-01234-44",
            };
            Assert.True((await users.CreateAsync(user, Password)).Succeeded);
            userId = user.Id;
        }
        var client = portal.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(client, email, Password)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await FormPost.SubmitAsync(client, "/privacy/dpa", "accept-dpa", new Dictionary<string, string>
        {
            ["Input.CompanyName"] = "Zylinski Maschinenbau GmbH",
            ["Input.CompanyAddress"] = "Domplatz 1, 50667 Köln",
            ["Input.Accept"] = "true",
        })).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await FormPost.PostWithTokenFromAsync(client, "/billing", "/billing/top-up", new Dictionary<string, string> { ["amount"] = "25" })).StatusCode);
        await using var db = await portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var paymentId = (await db.Payments.SingleAsync(p => p.UserId == userId)).Id.ToString();
        var (sessionId, cents) = portal.Stripe.SessionFor(paymentId);
        var json = StripeEvents.Envelope("checkout.session.completed", StripeStub.Session(sessionId, paymentId, cents, "paid", "pi_walk_" + paymentId, "complete"));
        var webhook = new HttpRequestMessage(HttpMethod.Post, "/billing/stripe/webhook") { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        webhook.Headers.TryAddWithoutValidation("Stripe-Signature", StripeEvents.Signature(StripeBrowserPortal.WebhookSecret, json));
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(webhook)).StatusCode);
        return email;
    }
}

/// <summary>The top-up panel where no payment provider is configured: the manual way, on both screens and languages.</summary>
public sealed class TopUpWithoutProviderWalkTests(BrowserPortal portal) : IClassFixture<BrowserPortal>
{
    [Theory]
    [InlineData("de", "dark", 390)]
    [InlineData("en", "light", 1280)]
    public async Task Billing_NoProvider_ManualTopUpShown_FitsTheScreen(string culture, string theme, int width)
    {
        var email = $"walk-manual-{Guid.NewGuid():N}@firma-example.de";
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            Assert.True((await users.CreateAsync(new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true }, PrivacySeed.Password)).Succeeded);
        }
        var page = await portal.NewPageAsync(width, width < 600 ? 844 : 900);
        await BrowserPortal.LoginAsync(page, email, PrivacySeed.Password);
        await ComplianceWalkTests.SetPreferencesAsync(page, portal.BaseUrl, culture, theme);

        await page.GotoAsync("/billing");
        await Assertions.Expect(page.Locator("#top-up-manual")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#top-up-submit")).ToHaveCountAsync(0);
        await ComplianceWalkTests.AssertNothingSticksOutAsync(page, $"billing-manual-{culture}-{width}");
        await BrowserPortal.ScreenshotAsync(page, $"walk-billing-manual-{culture}-{theme}-{width}");
    }
}
