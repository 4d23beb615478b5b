using Microsoft.Playwright;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Browser;

/// <summary>
/// The walk a new user and an admin take through the model families: the studio with SD, SDXL-Turbo and FLUX, and the
/// admin page's models and install panels, on a desktop and a 390 px phone, in English and German, light and dark.
/// Each view is saved as a screenshot; each asserts that nothing overflows sideways and that the studio shows only what
/// the selected family can use.
/// </summary>
public sealed class ModelFamiliesWalkTests(BrowserPortal portal) : IClassFixture<BrowserPortal>
{
    private const string Password = "Walk-Families-Passw0rd";

    public static TheoryData<string, string, int> Views => new()
    {
        { "en", "light", 1280 },
        { "de", "dark", 1280 },
        { "en", "dark", 390 },
        { "de", "light", 390 },
    };

    [Theory]
    [MemberData(nameof(Views))]
    public async Task Studio_EachFamily_ShowsOnlyWhatItCanUse_AndFitsTheScreen(string culture, string theme, int width)
    {
        var email = $"walk.{Guid.NewGuid():N}@example.de";
        await PortalSession.RegisterConfirmAndLoginAsync(portal, portal.CreateBrowserLikeClient(), email, Password);
        var page = await NewPageAsync(width);
        await BrowserPortal.LoginAsync(page, email, Password);
        await SetPreferencesAsync(page, culture, theme);

        await page.GotoAsync("/images");
        await page.WaitForSelectorAsync("#image-prompt-box[data-submit-on-enter]", new() { State = WaitForSelectorState.Attached });
        await Assertions.Expect(page.Locator("label", new() { HasText = culture == "de" ? "Modell" : "Model" }).First).ToBeVisibleAsync();

        // The preselected Stable Diffusion demo uses guidance: negative prompt and guidance are offered.
        await Assertions.Expect(page.Locator("#image-negative")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#image-guidance")).ToHaveCountAsync(1);
        await ScreenshotAsync(page, $"walk-studio-sd-{culture}-{theme}-{width}");

        // SDXL-Turbo runs without guidance in one step: neither field is offered, and the steps start at 1.
        await PickModelAsync(page, "Tiny SDXL-Turbo");
        await Assertions.Expect(page.Locator("#image-negative")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#image-guidance")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#image-steps")).ToHaveValueAsync("1");
        await ScreenshotAsync(page, $"walk-studio-sdxl-turbo-{culture}-{theme}-{width}");

        // FLUX.1-schnell: no negative prompt or guidance, four steps, its one scheduler.
        await PickModelAsync(page, "FLUX.1-schnell");
        await Assertions.Expect(page.Locator("#image-negative")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#image-guidance")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#image-steps")).ToHaveValueAsync("4");
        await ScreenshotAsync(page, $"walk-studio-flux-{culture}-{theme}-{width}");
    }

    [Theory]
    [MemberData(nameof(Views))]
    public async Task AdminModels_ListEveryFamily_InstallPanel_AndFitTheScreen(string culture, string theme, int width)
    {
        var page = await NewPageAsync(width);
        await BrowserPortal.LoginAsync(page, PortalFactory.AdminEmail, PortalFactory.AdminPassword);
        await SetPreferencesAsync(page, culture, theme);

        await page.GotoAsync("/admin");
        await Assertions.Expect(page.Locator("#admin-models")).ToContainTextAsync("demo-flux-schnell-tiny");
        await Assertions.Expect(page.Locator("#admin-models")).ToContainTextAsync("demo-sdxl-turbo-tiny");
        await Assertions.Expect(page.Locator("#model-install")).ToContainTextAsync("FLUX.1 [schnell] (ONNX)");
        await ScreenshotAsync(page, $"walk-admin-models-{culture}-{theme}-{width}");
    }

    private async Task<IPage> NewPageAsync(int width) => await portal.NewPageAsync(width, width < 600 ? 844 : 900);

    private async Task SetPreferencesAsync(IPage page, string culture, string theme)
    {
        var host = new Uri(portal.BaseUrl).Host;
        await page.Context.AddCookiesAsync(
        [
            new Cookie { Name = ".AspNetCore.Culture", Value = $"c={culture}|uic={culture}", Domain = host, Path = "/" },
            new Cookie { Name = "PromptLeo.Theme", Value = theme, Domain = host, Path = "/" },
        ]);
    }

    private static async Task PickModelAsync(IPage page, string name)
    {
        await page.Locator("#image-model").Locator("xpath=ancestor::div[contains(@class,'mud-select')][1]").ClickAsync();
        await page.Locator(".mud-popover-open").GetByText(name).First.ClickAsync();
        await Assertions.Expect(page.Locator("#image-model-label")).ToContainTextAsync(name);
    }

    private static async Task ScreenshotAsync(IPage page, string name)
    {
        var width = page.ViewportSize!.Width;
        var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
        if (overflow > width)
        {
            // Name the outermost elements that stick out, so the failure says where to look.
            var culprits = await page.EvaluateAsync<string[]>($$"""
                () => [...document.querySelectorAll('body *')]
                  .filter(e => e.getBoundingClientRect().right > {{width}} + 1 && !(e.parentElement && e.parentElement.getBoundingClientRect().right > {{width}} + 1))
                  .slice(0, 5).map(e => e.tagName + '#' + e.id + '.' + e.className)
                """);
            Assert.Fail($"{name}: the page is {overflow} px wide on a {width} px screen; sticking out: {string.Join(", ", culprits)}");
        }

        await BrowserPortal.ScreenshotAsync(page, name);
    }
}
