using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Tests.Web.Breaches;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.ApiKeys;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Breaches;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Organizations;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Tests.Browser;

/// <summary>
/// Issue 17's "one language at a time": every page a visitor, a customer and an admin reach, opened in German and in
/// English with content present (a conversation, an image, a key, usage rows, audit entries, a company with an
/// invitation, an incident), while the browser itself asks for the other language. The visible text, the
/// placeholders, labels and tooltips, and the values shown in read-only fields (selects, date pickers) must hold no
/// word of the other language and no number, amount or date in the other culture's format.
/// </summary>
public sealed class LanguageWalkTests(BrowserPortal portal) : IClassFixture<BrowserPortal>
{
    private const string Password = "Walk-Language-Passw0rd";

    // The seeded content: a name and a number that are words of neither language.
    private const string Data = "Zylinski 4711";

    [Fact]
    public void EveryRoutablePage_IsWalkedOrExcluded()
    {
        var walked = LanguageWalk.Stops.Select(s => s.Route).ToHashSet();
        var routes = LanguageWalk.Routes();
        var missing = routes.Where(r => !walked.Contains(r) && !LanguageWalk.Excluded.ContainsKey(r)).Order().ToList();
        Assert.True(missing.Count == 0, "Pages neither walked nor excluded (add them to LanguageWalk.Stops):\n" + string.Join("\n", missing));
        var stale = walked.Concat(LanguageWalk.Excluded.Keys).Where(r => !routes.Contains(r)).ToList();
        Assert.True(stale.Count == 0, "Walked or excluded routes the app no longer has:\n" + string.Join("\n", stale));
    }

    [Theory]
    [InlineData("Löschen Sie die Einstellungen", "en", "word 'Löschen'")]
    [InlineData("Delete the settings", "de", "word 'Delete'")]
    [InlineData("Betrag 12.50 €", "de", "number '12.50 €'")]
    [InlineData("Amount 12,50 €", "en", "number '12,50 €'")]
    [InlineData("am 01.12.2026", "en", "number '01.12.2026'")]
    [InlineData("12/1/2026", "de", "number '12/1/2026'")]
    [InlineData("1,234.56 tokens", "de", "number '1,234.56'")]
    public void Foreign_OtherLanguageOrFormat_IsFound(string text, string culture, string expected) =>
        Assert.Contains(LanguageWalk.Foreign(text, culture), f => f.StartsWith(expected, StringComparison.Ordinal));

    [Theory]
    [InlineData("Betrag 12,50 € am 01.12.2026, 1.234 Token", "de")]
    [InlineData("Amount 12.50 € on 12/1/2026, 1,234 tokens", "en")]
    public void Foreign_OwnLanguageAndFormat_IsClean(string text, string culture) =>
        Assert.Empty(LanguageWalk.Foreign(text, culture));

    [Fact]
    public async Task EveryPage_BothLanguages_OneLanguageAndItsFormats()
    {
        var data = await SeedAsync();
        var problems = new List<string>();
        foreach (var culture in new[] { "de", "en" })
        {
            foreach (var viewer in Enum.GetValues<WalkViewer>())
            {
                await WalkAsync(viewer, culture, data, problems);
            }
        }
        Assert.True(problems.Count == 0, $"{problems.Count} finding(s):\n" + string.Join("\n", problems));
    }

    private string? customerEmail;

    private async Task WalkAsync(WalkViewer viewer, string culture, LanguageWalkData data, List<string> problems)
    {
        // The browser asks for the other language: what follows the browser instead of the portal's choice shows.
        var context = await portal.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = portal.BaseUrl,
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            Locale = culture == "de" ? "en-US" : "de-DE",
            TimezoneId = "Europe/Berlin",
        });
        context.SetDefaultTimeout(20_000);
        var page = await context.NewPageAsync();
        if (viewer != WalkViewer.SignedOut)
        {
            await BrowserPortal.LoginAsync(page, viewer == WalkViewer.Admin ? PortalFactory.AdminEmail : customerEmail!, viewer == WalkViewer.Admin ? PortalFactory.AdminPassword : Password);
        }
        await ComplianceWalkTests.SetPreferencesAsync(page, portal.BaseUrl, culture, "light");
        foreach (var stop in LanguageWalk.Stops.Where(s => s.Viewer == viewer))
        {
            var name = $"lang-{culture}-{stop.Path(data).Trim('/').Replace('/', '-').Split('?')[0]}";
            try
            {
                await page.GotoAsync(stop.Path(data));
                await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", new System.Text.RegularExpressions.Regex("^" + culture));
                var text = await SettledTextAsync(page);
                var found = LanguageWalk.Foreign(text.Replace(Data, " "), culture);
                var nativeDates = await page.Locator("input[type=date], input[type=datetime-local], input[type=month], input[type=time]").CountAsync();
                if (nativeDates > 0)
                {
                    found.Add($"{nativeDates} native date input(s): they show the browser's format, not the portal's language");
                }
                problems.AddRange(found.Select(f => $"{name} ({page.Url[portal.BaseUrl.Length..]}): {f}"));
                await BrowserPortal.ScreenshotAsync(page, name);
            }
            catch (PlaywrightException failure)
            {
                problems.Add($"{name}: {failure.Message.Split('\n')[0]}");
            }
        }
        await context.CloseAsync();
    }

    /// <summary>
    /// Visible text, placeholders, labels and tooltips, and the values of read-only fields, once the interactive
    /// render has loaded its data (the text stops changing).
    /// </summary>
    private static async Task<string> SettledTextAsync(IPage page)
    {
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        var previous = "";
        for (var attempt = 0; attempt < 16; attempt++)
        {
            var text = await page.EvaluateAsync<string>("""
                () => [document.body.innerText,
                  ...[...document.querySelectorAll('[placeholder], [aria-label], [title]')]
                     .flatMap(e => ['placeholder', 'aria-label', 'title'].map(a => e.getAttribute(a)).filter(v => v)),
                  ...[...document.querySelectorAll('input[readonly]')].map(e => e.value)].join('\n')
                """);
            if (text == previous && attempt >= 2)
            {
                // Marked translate="no": proper names and raw technical output (a native library's message), not UI text.
                foreach (var verbatim in (await page.Locator("[translate='no']").AllInnerTextsAsync()).Where(t => t.Length > 0))
                {
                    text = text.Replace(verbatim, " ");
                }
                return text;
            }
            previous = text;
            await page.WaitForTimeoutAsync(400);
        }
        return previous;
    }

    /// <summary>A customer owning a company (with an invitation, a budget and the DPA), a conversation, an image, a key with usage, and audit entries; an incident for the admin.</summary>
    private async Task<LanguageWalkData> SeedAsync()
    {
        var services = portal.Services;
        customerEmail = $"lang-{Guid.NewGuid():N}"[..16] + "@example.test";
        string userId;
        await using (var scope = services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            var user = new ApplicationUser { UserName = customerEmail, Email = customerEmail, EmailConfirmed = true, DisplayName = Data };
            Assert.True((await users.CreateAsync(user, Password)).Succeeded);
            userId = user.Id;
        }
        var organizationId = await services.GetRequiredService<OrganizationDirectory>().CreateAsync(userId, new OrganizationDetails(Data + " GmbH", "Domplatz 1", "50667", "Köln", "DE", "DE123456789", "de"));
        Assert.True(await services.GetRequiredService<OrganizationDirectory>().SetActiveAsync(userId, organizationId));
        Assert.Equal(MemberOutcome.Done, await services.GetRequiredService<OrganizationMembers>().InviteAsync(userId, organizationId, "zylinski-4711@example.test", OrganizationRole.Admin, new Uri(portal.BaseUrl)));
        await services.GetRequiredService<BillingAccounts>().SaveSettingsAsync(userId, organizationId, BillingMode.Postpaid, 1234.5m);
        var privacy = services.GetRequiredService<PrivacyCenter>();
        await privacy.AcceptDpaAsync(userId, Data + " GmbH", "Domplatz 1, 50667 Köln", "DE123456789", null);
        await privacy.SetRetentionAsync(userId, 30, 90);
        await services.GetRequiredService<DataExportService>().RequestAsync(userId);
        // /knowledge shows document cards: a ready one and a failed scan with its error text.
        await KnowledgeSeed.CreateAsync(services, userId, Data);

        // A price that makes a few tokens cost cents, a key, and real usage through /v1 (chat and an image).
        await services.GetRequiredService<PriceList>().SetAsync("demo-chat", 2000m, 2000m, 0m, "test");
        var key = await services.GetRequiredService<ApiKeyService>().CreateAsync(userId, Data, ApiScopes.All, DateTimeOffset.UtcNow.AddDays(90), 25.5m);
        using (var client = portal.CreateBrowserLikeClient())
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key.Secret);
            var chat = await client.PostAsync("/v1/chat/completions", Json(new { model = "demo-chat", max_tokens = 8, messages = new[] { new { role = "user", content = Data } } }));
            Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        }

        // A stored conversation and a gallery image, written as the features write them.
        var cipher = services.GetRequiredService<UserContentCipher>();
        var files = services.GetRequiredService<EncryptedFileStore>();
        await using var db = await services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        var conversation = new Conversation
        {
            UserId = userId,
            TitleCipher = await cipher.EncryptStringAsync(userId, ContentPurpose.ConversationTitle, Data),
            ModelId = "demo-chat",
        };
        conversation.Messages.Add(new ConversationMessage { Ordinal = 0, Role = "user", ContentCipher = await cipher.EncryptStringAsync(userId, ContentPurpose.Message, Data + "?") });
        conversation.Messages.Add(new ConversationMessage { Ordinal = 1, Role = "assistant", ContentCipher = await cipher.EncryptStringAsync(userId, ContentPurpose.Message, Data + "!"), OutputTokens = 1234, InputTokens = 5 });
        db.Conversations.Add(conversation);
        var image = new GeneratedImage { UserId = userId, ModelId = "demo-sd-tiny", Width = 8, Height = 8, FileName = "walk.png.enc" };
        image.ParametersCipher = await cipher.EncryptAsync(userId, ContentPurpose.ImageParameters, JsonSerializer.SerializeToUtf8Bytes(new { prompt = Data, steps = 2, seed = 4711, guidance = 7.5 }));
        image.ByteSize = await files.WriteAsync(userId, image.FileName, ContentPurpose.ImageFile, TestImages.Gradient(8, 8));
        db.GeneratedImages.Add(image);
        await db.SaveChangesAsync();

        var incident = await BreachSeed.IncidentAsync(services, "lang-walk", Data, BreachRisk.HighRisk, "demo-chat", Data, Data, BreachTexts.Categories[0].Key);
        return new LanguageWalkData(conversation.Id, organizationId, incident);
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
}
