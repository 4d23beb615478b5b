using System.Net;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web;

public sealed partial class LocalizationTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public async Task CultureSwitch_German_SetsCookieAndRendersGerman()
    {
        var client = factory.CreateBrowserLikeClient();
        var response = await client.GetAsync("/preferences/culture/de?returnUrl=%2FAccount%2FLogin");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/Account/Login", response.Headers.Location!.ToString());
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".AspNetCore.Culture=c%3Dde"));

        var html = await client.GetStringAsync("/Account/Login");
        Assert.Contains("<html lang=\"de\"", html);
        Assert.Contains("Anmelden", html);
        Assert.Contains("Gehostet und verarbeitet in Region", html);
    }

    [Fact]
    public async Task AcceptLanguage_German_RendersGerman()
    {
        var client = factory.CreateBrowserLikeClient();
        client.DefaultRequestHeaders.AcceptLanguage.ParseAdd("de-DE,de;q=0.9");
        var html = await client.GetStringAsync("/");
        Assert.Contains("KI aus Europa", html);
    }

    [Fact]
    public async Task CultureSwitch_UnsupportedCulture_Returns400()
    {
        var response = await factory.CreateBrowserLikeClient().GetAsync("/preferences/culture/xx");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example/")]
    public async Task CultureSwitch_ForeignReturnUrl_RedirectsHome(string returnUrl)
    {
        var response = await factory.CreateBrowserLikeClient().GetAsync($"/preferences/culture/en?returnUrl={Uri.EscapeDataString(returnUrl)}");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.ToString());
    }

    [Fact]
    public async Task ThemeSwitch_Dark_RendersDarkPalette()
    {
        var client = factory.CreateBrowserLikeClient();
        var response = await client.GetAsync("/preferences/theme/dark?returnUrl=%2F");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var html = await client.GetStringAsync("/");
        // The toggle now offers the light theme.
        Assert.Contains("aria-label=\"Light theme\"", html);
    }

    [Theory]
    [InlineData("SharedResource", "Components", "Features")]
    [InlineData("AccountResource", "Components/Account")]
    public void EveryLocalizedKey_HasGermanTranslation(string resource, params string[] folders)
    {
        var web = SourceTree.WebProject;
        var resx = XDocument.Load(Path.Combine(web, "Resources", $"{resource}.de.resx"));
        var german = resx.Root!.Elements("data").ToDictionary(d => (string)d.Attribute("name")!, d => (string?)d.Element("value") ?? "");

        var missing = new SortedSet<string>();
        foreach (var folder in folders)
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(web, folder), "*.*", SearchOption.AllDirectories)
                         .Where(f => f.EndsWith(".razor") || f.EndsWith(".cs")))
            {
                var isAccount = file.Replace('\\', '/').Contains("/Components/Account/");
                if ((resource == "SharedResource") == isAccount)
                {
                    continue;
                }
                foreach (Match m in KeyPattern().Matches(File.ReadAllText(file)))
                {
                    var key = Regex.Unescape(m.Groups[1].Value);
                    if (!german.TryGetValue(key, out var value) || string.IsNullOrWhiteSpace(value))
                    {
                        missing.Add($"{Path.GetFileName(file)}: {key}");
                    }
                }
            }
        }
        Assert.True(missing.Count == 0, "Missing German strings:\n" + string.Join("\n", missing));
    }

    [GeneratedRegex("""\b(?:L|l|localizer)\["((?:[^"\\]|\\.)+)"[,\]]""")]
    private static partial Regex KeyPattern();
}
