using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Tests.Web.Breaches;
using PromptLeo.Tests.Web.Privacy;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Accounts;
using PromptLeo.Web.Features.ApiKeys;
using PromptLeo.Web.Features.Breaches;
using PromptLeo.Web.Features.Organizations;

namespace PromptLeo.Tests.Browser;

/// <summary>
/// The portal with content on every page: an admin with a long e-mail address, a chat, an image, a preset, an API key and
/// a recorded incident. The values fill the placeholders of <see cref="PortalPages.Walked"/>.
/// </summary>
public sealed class AccessibilityPortal : BrowserPortal
{
    public string Email { get; private set; } = "";

    public string Password => PrivacySeed.Password;

    public IReadOnlyDictionary<string, string> Seed { get; private set; } = new Dictionary<string, string>();

    public async Task SeedOnceAsync()
    {
        if (Seed.Count > 0)
        {
            return;
        }
        var seeded = await PrivacySeed.CreateAsync(this);
        // Long enough to test wrapping in the app bar, the key table and the audit lists.
        Email = $"renate.zylinski-mueller-luedenscheid.{Guid.NewGuid():N}@maschinenbau-nordrhein-westfalen-example.de";
        await using (var scope = Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            var user = (await users.FindByIdAsync(seeded.Id))!;
            user.Email = Email;
            user.UserName = Email;
            Assert.True((await users.UpdateAsync(user)).Succeeded);
            Assert.True((await users.AddToRoleAsync(user, Roles.Admin)).Succeeded);
            // A key from the start: every walk sees EnableAuthenticator as a user who began the setup does.
            Assert.True((await users.ResetAuthenticatorKeyAsync(user)).Succeeded);
            await scope.ServiceProvider.GetRequiredService<ApiKeyService>()
                .CreateAsync(seeded.Id, "Produktionsserver Buchhaltung Nordrhein-Westfalen", [.. ApiScopes.All], null, 25m);
        }
        var organization = await Services.GetRequiredService<OrganizationDirectory>().PersonalIdAsync(seeded.Id);
        // /knowledge shows document cards: a ready one and a failed scan with its error text.
        await KnowledgeSeed.CreateAsync(Services, seeded.Id, "Betriebshandbuch");
        var incident = await BreachSeed.IncidentAsync(Services, seeded.Id, "Log shipper 2.4", BreachRisk.Risk);
        Seed = new Dictionary<string, string>
        {
            ["conversation"] = seeded.ConversationId.ToString(),
            ["organization"] = organization.ToString(),
            ["incident"] = incident.ToString(),
            ["erasure"] = Guid.NewGuid().ToString(),
        };
    }
}

/// <summary>
/// Issue 17, accessibility and phone: axe-core on every page in both themes and both languages (zero serious or critical
/// violations), nothing sideways on a 390×844 phone with every primary action reachable, and chat, studio and dialogs by
/// keyboard alone with visible focus and a polite live region for answers.
/// </summary>
public sealed class AccessibilityBrowserTests(AccessibilityPortal portal) : IClassFixture<AccessibilityPortal>
{
    private static string ReportDirectory => Directory.CreateDirectory(Path.Combine(SourceTree.ArtifactsDirectory, "accessibility")).FullName;

    [Fact]
    public async Task EveryPage_BothThemesBothLanguages_NoSeriousOrCriticalAxeViolations()
    {
        await portal.SeedOnceAsync();
        var violations = new List<AxeViolation>();
        var views = new List<string>();
        var problems = new List<string>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var timings = new List<string>();
        // en/light and de/dark walk every page; en/dark and de/light walk the pages with the most text and colour (CrossCheckPaths),
        // so all four combinations are scanned without a second full walk on CI.
        foreach (var (culture, theme, only) in new[] { ("en", "light", (string[]?)null), ("de", "dark", null), ("en", "dark", CrossCheckPaths), ("de", "light", CrossCheckPaths) })
        {
            var started = clock.Elapsed;
            var context = await NewContextAsync(culture, theme, 1280, 900);
            await Axe.InjectAsync(context);
            await WalkAsync(context, culture, theme, $"{culture}-{theme}", problems, only, async (page, view) =>
            {
                views.Add(view);
                violations.AddRange(await Axe.RunAsync(page, view));
                await ComplianceWalkTests.AssertNothingSticksOutAsync(page, view);
            });
            await context.CloseAsync();
            timings.Add($"{culture}-{theme}: {(clock.Elapsed - started).TotalSeconds:0} s");
        }
        await File.WriteAllTextAsync(Path.Combine(ReportDirectory, "axe-report.md"), Axe.Report(violations, views) + "\nWalk times: " + string.Join(", ", timings) + "\n");
        var blocking = violations.Where(v => v.IsBlocking).Select(v => $"{v.View}: {v.Impact} {v.Rule} at {v.Selector}: {v.Summary}").ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.True(blocking.Count == 0, $"{blocking.Count} serious, critical or enforced moderate axe violations (TestResults/artifacts/accessibility/axe-report.md):\n" + string.Join("\n", blocking.Take(60)));
    }

    [Fact]
    public async Task EveryPage_Phone390x844_NothingSticksOut_PrimaryActionsReachable()
    {
        await portal.SeedOnceAsync();
        var problems = new List<string>();
        foreach (var (culture, theme) in new[] { ("de", "dark"), ("en", "light") })
        {
            var context = await NewContextAsync(culture, theme, 390, 844);
            await WalkAsync(context, culture, theme, $"phone-{culture}-{theme}", problems, null, async (page, view) =>
            {
                await ComplianceWalkTests.AssertNothingSticksOutAsync(page, view);
                var unreachable = await page.EvaluateAsync<string[]>(UnreachableActions);
                Assert.True(unreachable.Length == 0, $"{view}: actions out of reach: {string.Join(", ", unreachable)}");
                if (CardPages.Contains(view.Split(' ')[1]))
                {
                    var wide = await page.EvaluateAsync<string[]>(WideTables);
                    Assert.True(wide.Length == 0, $"{view}: tables wider than the phone instead of cards: {string.Join(", ", wide)}");
                }
                await page.EvaluateAsync("() => window.scrollTo(0, 0)");
                await BrowserPortal.ScreenshotAsync(page, "a11y-" + view.Replace(' ', '-').Replace('/', '_'));
            });
            await context.CloseAsync();
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public async Task ChatNavigationStudioAndDialogs_KeyboardOnly_FocusVisible_AnswerAnnouncedOncePolitely()
    {
        await portal.SeedOnceAsync();
        var context = await NewContextAsync("en", "dark", 1280, 900);
        var page = await SignedInPageAsync(context, "en", "dark");

        // Chat: Tab reaches the composer with a visible ring, Enter sends, and the live region says "writing", then the answer once.
        await page.GotoAsync("/chat");
        await Assertions.Expect(page.Locator("#chat-input[data-composer='ready']")).ToBeVisibleAsync();
        var announcer = page.Locator("#chat-announcer");
        await Assertions.Expect(announcer).ToHaveAttributeAsync("aria-live", "polite");
        await page.EvaluateAsync("""
            () => { const live = document.getElementById('chat-announcer'); window.announced = [];
              new MutationObserver(() => window.announced.push(live.textContent.trim())).observe(live, { childList: true, characterData: true, subtree: true }); }
            """);
        await TabToAsync(page, "#chat-input");
        await AssertFocusVisibleAsync(page, "chat composer");
        await page.Keyboard.TypeAsync("Hallo, wie geht es?");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(announcer).ToContainTextAsync("Answer:", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator(".pl-msg-assistant .pl-msg-tokens")).ToBeVisibleAsync();
        // The stored chat moves to its own address and the list re-renders; the menu below belongs to that list.
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/chat/[0-9a-f-]{36}$"));
        await SettleAsync(page);
        var spoken = Letters((await announcer.InnerTextAsync())["Answer:".Length..]);
        var shown = Letters(await page.Locator(".pl-msg-assistant .pl-markdown").Last.InnerTextAsync());
        Assert.StartsWith(spoken[..Math.Min(40, spoken.Length)], shown);
        var announced = (await page.EvaluateAsync<string[]>("() => window.announced")).Where(t => t.Length > 0).Distinct().ToList();
        Assert.True(announced.Count == 2 && announced[0] == "Writing the answer…" && announced[1].StartsWith("Answer:"), "Live region changes: " + string.Join(" | ", announced));

        // A dialog from the chat list: the actions menu opens with Enter, Delete asks in a dialog that keeps the focus and closes with Escape.
        await TabToAsync(page, ".pl-chat-sidebar .pl-chat-list-menu button", backwards: true);
        await AssertFocusVisibleAsync(page, "chat actions menu button");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator(".mud-popover-open .mud-menu-item").First).ToBeVisibleAsync();
        await PressUntilFocusedAsync(page, "ArrowDown", ".mud-popover-open .mud-menu-item", "Delete");
        await page.Keyboard.PressAsync("Enter");
        await AssertDialogKeyboardAsync(page, "delete chat dialog");
        await Assertions.Expect(page.Locator(".pl-chat-sidebar .pl-chat-list-link")).Not.ToHaveCountAsync(0);

        // The main navigation is collapsed on the chat; opened and followed by keyboard it stays open on the other pages.
        await Assertions.Expect(page.Locator("#nav-chat")).Not.ToBeInViewportAsync();
        await TabToAsync(page, "#nav-toggle", backwards: true);
        await page.Keyboard.PressAsync("Enter");
        await TabToAsync(page, "#nav-billing");
        await AssertFocusVisibleAsync(page, "navigation link");
        await page.Keyboard.PressAsync("Enter");
        await page.WaitForURLAsync("**/billing");
        await Assertions.Expect(page.Locator("#nav-chat")).ToBeInViewportAsync();

        // Image studio: Tab reaches the gallery, Enter opens the image in a dialog, Escape closes it.
        await page.GotoAsync("/images");
        await Assertions.Expect(page.Locator(".studio-thumb-button").First).ToBeVisibleAsync();
        await TabToAsync(page, ".studio-thumb-button");
        await AssertFocusVisibleAsync(page, "gallery image");
        await page.Keyboard.PressAsync("Enter");
        await AssertDialogKeyboardAsync(page, "image dialog");
        await BrowserPortal.ScreenshotAsync(page, "a11y-keyboard-images-dark");
        await context.CloseAsync();
    }

    [Fact]
    public async Task Phone_AppBarMenu_ChatDrawerClosesOnPick_ComposerInView()
    {
        await portal.SeedOnceAsync();
        var context = await NewContextAsync("de", "light", 390, 844);
        var page = await SignedInPageAsync(context, "de", "light");

        // Language, theme and account sit in one menu that opens from the app bar and closes with Escape.
        await page.GotoAsync("/billing");
        await SettleAsync(page);
        await Assertions.Expect(page.Locator("#theme-toggle")).ToBeHiddenAsync();
        await BrowserPortal.InteractiveAsync(page);
        await page.ClickAsync("#appbar-more");
        foreach (var item in new[] { "#lang-en", "#lang-de", "#theme-toggle", "#profile-link", "#logout" })
        {
            await Assertions.Expect(page.Locator(item)).ToBeInViewportAsync(new() { Ratio = 1 });
        }
        await BrowserPortal.ScreenshotAsync(page, "a11y-phone-appbar-menu");
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(page.Locator("#theme-toggle")).ToBeHiddenAsync();
        await ComplianceWalkTests.AssertNothingSticksOutAsync(page, "phone app bar");

        // Chat: the composer and its send button are on screen without scrolling; picking a chat in the drawer closes the drawer.
        await page.GotoAsync($"/chat/{portal.Seed["conversation"]}");
        await Assertions.Expect(page.Locator("#chat-input[data-composer='ready']")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#chat-send")).ToBeInViewportAsync(new() { Ratio = 1 });
        await page.EvaluateAsync("() => window.scrollTo(0, document.body.scrollHeight)");
        await Assertions.Expect(page.Locator("#chat-send")).ToBeInViewportAsync(new() { Ratio = 1 });
        await page.ClickAsync("#chat-open-list");
        var drawer = page.Locator("#chat-list-drawer");
        await Assertions.Expect(drawer.Locator(".pl-chat-list-link")).Not.ToHaveCountAsync(0);
        await page.GotoAsync("/chat");
        await Assertions.Expect(page.Locator("#chat-input[data-composer='ready']")).ToBeVisibleAsync();
        await page.ClickAsync("#chat-open-list");
        await drawer.Locator(".pl-chat-list-link").First.ClickAsync();
        await page.WaitForURLAsync(new System.Text.RegularExpressions.Regex("/chat/[0-9a-f-]{36}$"));
        await Assertions.Expect(drawer).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#chat-send")).ToBeInViewportAsync(new() { Ratio = 1 });
        await BrowserPortal.ScreenshotAsync(page, "a11y-phone-chat");

        await context.CloseAsync();
    }

    [Fact]
    public async Task LandingPage_DesktopAndPhone_BothLanguagesBothThemes_ModelsRegionPrivacyLinksAndGreeting()
    {
        await portal.SeedOnceAsync();
        foreach (var (culture, theme, heading) in new[] { ("en", "light", "Models and prices"), ("de", "dark", "Modelle und Preise") })
        {
            var context = await NewContextAsync(culture, theme, 1280, 900);
            var page = await context.NewPageAsync();
            await page.GotoAsync("/");
            await SettleAsync(page);
            await Assertions.Expect(page.Locator("h1")).ToHaveCountAsync(1);
            await Assertions.Expect(page.Locator("#home-models-title")).ToHaveTextAsync(heading);
            await Assertions.Expect(page.Locator("tr.home-model").First).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("#home-region-code")).ToHaveTextAsync("DE");
            await Assertions.Expect(page.Locator("#home-privacy-links a")).ToHaveCountAsync(4);
            await BrowserPortal.ScreenshotAsync(page, $"landing-{culture}-{theme}-desktop");

            // Loaded on the phone as a phone visitor gets it (the responsive drawer decides its state on load).
            await page.SetViewportSizeAsync(390, 844);
            await page.ReloadAsync();
            await SettleAsync(page);
            await ComplianceWalkTests.AssertNothingSticksOutAsync(page, $"landing {culture} {theme} phone");
            await Assertions.Expect(page.Locator("#home-register")).ToBeInViewportAsync();
            await BrowserPortal.ScreenshotAsync(page, $"landing-{culture}-{theme}-phone");
            // The policy is a static page: following the link loads it in full, then the browser scrolls to the section.
            await page.ClickAsync("#home-link-subprocessors");
            await page.WaitForURLAsync(url => url.EndsWith("/datenschutz#legal-recipients", StringComparison.Ordinal));
            await page.WaitForLoadStateAsync(LoadState.Load);
            await Assertions.Expect(page.Locator("#legal-recipients")).ToBeInViewportAsync(new() { Timeout = 15_000 });

            // Signed in on the phone: greeted by name, and the ⋮ menu shows it.
            await BrowserPortal.LoginAsync(page, portal.Email, portal.Password);
            await ComplianceWalkTests.SetPreferencesAsync(page, portal.BaseUrl, culture, theme);
            await page.GotoAsync("/");
            // The seeded account has a display name; without one the greeting falls back to the e-mail's local part.
            var name = (await portal.Services.GetRequiredService<UserManager<ApplicationUser>>().FindByEmailAsync(portal.Email))?.DisplayName
                ?? portal.Email[..portal.Email.IndexOf('@')];
            await Assertions.Expect(page.Locator("#welcome")).ToContainTextAsync(name);
            await BrowserPortal.InteractiveAsync(page);
            await page.ClickAsync("#appbar-more");
            await Assertions.Expect(page.Locator("#appbar-user-name")).ToHaveTextAsync(name);
            await Assertions.Expect(page.Locator("#profile-link")).ToBeInViewportAsync();
            await ComplianceWalkTests.AssertNothingSticksOutAsync(page, $"landing {culture} {theme} phone menu");
            await BrowserPortal.ScreenshotAsync(page, $"landing-{culture}-{theme}-phone-signed-in");
            await context.CloseAsync();
        }
    }

    /// <summary>The pages the two extra combinations scan: the landing page, sign-in, the policy and the main work pages.</summary>
    private static readonly string[] CrossCheckPaths = ["/", "/Account/Login", "/datenschutz", "/chat/{conversation}", "/images", "/billing", "/api-keys", "/privacy", "/admin"];

    private static string Letters(string text) => new(text.Where(char.IsLetterOrDigit).ToArray());

    private async Task<IPage> SignedInPageAsync(IBrowserContext context, string culture, string theme)
    {
        var page = await context.NewPageAsync();
        await BrowserPortal.LoginAsync(page, portal.Email, portal.Password);
        await ComplianceWalkTests.SetPreferencesAsync(page, portal.BaseUrl, culture, theme);
        return page;
    }

    /// <summary>Presses Tab (or Shift+Tab) until the focus is on <paramref name="selector"/>: reachable by keyboard alone.</summary>
    private static Task TabToAsync(IPage page, string selector, bool backwards = false) =>
        PressUntilFocusedAsync(page, backwards ? "Shift+Tab" : "Tab", selector);

    private static async Task PressUntilFocusedAsync(IPage page, string key, string selector, string text = "")
    {
        for (var presses = 0; presses < 150; presses++)
        {
            if (await page.EvaluateAsync<bool>("([s, t]) => !!document.activeElement && document.activeElement.matches(s) && document.activeElement.innerText.includes(t)", new[] { selector, text }))
            {
                return;
            }
            // One key at a time: a menu moves its focus from the server, so a second press sent before the first one
            // landed would overshoot the item this loop just saw focused (it once opened "Rename" instead of "Delete").
            await page.EvaluateAsync("() => { window.focusBeforeKey = document.activeElement; }");
            await page.Keyboard.PressAsync(key);
            try
            {
                await page.WaitForFunctionAsync("() => document.activeElement !== window.focusBeforeKey", null, new() { Timeout = 5_000 });
            }
            catch (TimeoutException)
            {
                // The key did not move the focus (the end of a list): the next press or the failure below tells.
            }
        }
        var focused = await page.EvaluateAsync<string>("() => document.activeElement ? document.activeElement.outerHTML.slice(0, 200) : 'nothing'");
        Assert.Fail($"{selector} not reached with {key} in 150 presses; focus is on {focused}");
    }

    /// <summary>The focused element shows a ring: an outline of at least 2 px or a box shadow.</summary>
    private static async Task AssertFocusVisibleAsync(IPage page, string what)
    {
        var ring = await page.EvaluateAsync<string>("""
            () => { const s = getComputedStyle(document.activeElement);
              return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 ? 'outline' : (s.boxShadow !== 'none' ? 'shadow' : `none (outline ${s.outlineStyle} ${s.outlineWidth})`); }
            """);
        Assert.True(ring is "outline" or "shadow", $"{what}: focus not visible: {ring}");
    }

    /// <summary>An open dialog has the focus, Tab keeps it inside with a visible ring, Escape closes it.</summary>
    private static async Task AssertDialogKeyboardAsync(IPage page, string what)
    {
        var dialog = page.Locator(".mud-dialog").Last;
        // The dialog opens after a round trip over the circuit: seconds on a loaded CI machine.
        await Assertions.Expect(dialog).ToBeVisibleAsync(new() { Timeout = 20_000 });
        await Assertions.Expect(dialog).ToHaveAttributeAsync("role", "dialog");
        // The dialog takes the focus when it opens (its focus trap starts just after it is drawn); Tab then stays inside.
        await page.WaitForFunctionAsync("() => !!document.activeElement && !!document.activeElement.closest('.mud-dialog')", null, new() { Timeout = 10_000 });
        for (var i = 0; i < 8; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            // MudBlazor's trap sends the focus back from its edge element over the circuit; a user's next key comes after that.
            try
            {
                await page.WaitForFunctionAsync("() => !!document.activeElement && document.activeElement.matches('button, a[href], input, textarea, select, [role=button], [role=menuitem]')", null, new() { Timeout = 5_000 });
            }
            catch (TimeoutException)
            {
                // Still on the trap's edge: the check below tells whether it is inside the dialog.
            }
            Assert.True(await page.EvaluateAsync<bool>("() => !!document.activeElement.closest('.mud-dialog')"), $"{what}: Tab left the dialog");
        }
        await AssertFocusVisibleAsync(page, what);
        await page.Keyboard.PressAsync("Escape");
        await Assertions.Expect(page.Locator(".mud-dialog")).ToHaveCountAsync(0);
    }

    /// <summary>
    /// Every visible button, submit input and button-styled link in the page's content, scrolled into view, lies fully inside the
    /// screen's width (a table scrolled sideways inside its box brings its row actions in too).
    /// </summary>
    private const string UnreachableActions = """
        () => [...document.querySelectorAll('.pl-main button, .pl-main a.mud-button-root, .pl-main input[type=submit]')]
          .filter(e => { const s = getComputedStyle(e); const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && !e.closest('[aria-hidden=true], .mud-drawer--closed'); })
          .filter(e => { e.scrollIntoView({ block: 'center', inline: 'center' }); const r = e.getBoundingClientRect(); return r.left < -1 || r.right > innerWidth + 1; })
          .slice(0, 5).map(e => `${e.tagName}#${e.id} "${(e.innerText || e.getAttribute('aria-label') || '').trim().slice(0, 30)}" (${Math.round(e.getBoundingClientRect().left)}..${Math.round(e.getBoundingClientRect().right)})`)
        """;

    // The admin, audit and organization pages show their tables as cards on a phone: no table needs sideways scrolling.
    private static readonly HashSet<string> CardPages = ["/admin", "/admin/system", "/admin/audit", "/privacy", "/organization/members", "/organization/audit"];

    private const string WideTables = """
        () => [...document.querySelectorAll('.pl-main table')].filter(t => t.getBoundingClientRect().width > innerWidth + 1)
          .map(t => `${t.closest('[id]')?.id ?? 'table'} (${Math.round(t.getBoundingClientRect().width)} px)`)
        """;

    /// <summary>Opens each walked page, anonymous ones first, then signs in; a page that redirects elsewhere is a problem (exclude it with a reason).</summary>
    private async Task WalkAsync(IBrowserContext context, string culture, string theme, string prefix, List<string> problems, string[]? only, Func<IPage, string, Task> check)
    {
        var page = await context.NewPageAsync();
        foreach (var visitor in new[] { PageVisitor.Anonymous, PageVisitor.SignedIn })
        {
            if (visitor == PageVisitor.SignedIn)
            {
                await BrowserPortal.LoginAsync(page, portal.Email, portal.Password);
                // Signing in sets the language of the profile; the walk keeps the one it is walking.
                await ComplianceWalkTests.SetPreferencesAsync(page, portal.BaseUrl, culture, theme);
            }
            foreach (var stop in PortalPages.Walked.Where(p => p.Visitor == visitor && (only is null || only.Contains(p.Path))))
            {
                var path = PortalPages.Fill(stop.Path, portal.Seed);
                var view = $"{prefix} {path}";
                try
                {
                    await page.GotoAsync(path);
                    await SettleAsync(page);
                    var landed = new Uri(page.Url).AbsolutePath;
                    Assert.True(landed.Equals(path, StringComparison.OrdinalIgnoreCase), $"{view}: landed on {landed}");
                    await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("lang", culture);
                    if (stop.PrimaryAction is { } action)
                    {
                        await ComplianceWalkTests.AssertReachableAsync(page, action);
                    }
                    await check(page, view);
                }
                catch (Exception failure) when (failure is PlaywrightException or Xunit.Sdk.XunitException)
                {
                    problems.Add($"{view}: {failure.Message.Split('\n')[0]}");
                }
            }
        }
    }

    /// <summary>Waits for the interactive render to replace the prerendered page and the fonts to load.</summary>
    private static async Task SettleAsync(IPage page)
    {
        try
        {
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle, new() { Timeout = 5_000 });
        }
        catch (TimeoutException)
        {
            // A page that keeps polling is scanned as it is.
        }
        await page.EvaluateAsync("() => document.fonts.ready");
    }

    private async Task<IBrowserContext> NewContextAsync(string culture, string theme, int width, int height)
    {
        var context = await portal.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = portal.BaseUrl,
            ViewportSize = new ViewportSize { Width = width, Height = height },
            Locale = culture == "de" ? "de-DE" : "en-US",
        });
        context.SetDefaultTimeout(20_000);
        var page = await context.NewPageAsync();
        await ComplianceWalkTests.SetPreferencesAsync(page, portal.BaseUrl, culture, theme);
        await page.CloseAsync();
        return context;
    }
}
