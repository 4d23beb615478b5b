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
        var response = await SwitchAsync(client, "/preferences/culture/de", "/Account/Login");
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
        var response = await SwitchAsync(factory.CreateBrowserLikeClient(), "/preferences/culture/xx", "/");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("/preferences/culture/de")]
    [InlineData("/preferences/theme/dark")]
    public async Task PreferenceSwitch_GetLink_ChangesNothing(string url)
    {
        // A link on another site (or an <img src>) must not change the visitor's preferences.
        var response = await factory.CreateBrowserLikeClient().GetAsync(url + "?returnUrl=%2F");
        Assert.InRange((int)response.StatusCode, 400, 499);
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith(".AspNetCore.Culture") || c.StartsWith("PromptLeo.Theme")));
    }

    [Theory]
    [InlineData("/preferences/culture/de")]
    [InlineData("/preferences/theme/dark")]
    public async Task PreferenceSwitch_CrossSitePostWithoutToken_Returns400AndChangesNothing(string url)
    {
        var client = factory.CreateBrowserLikeClient();
        // The victim has visited the portal (antiforgery cookie set); the attacker's form cannot know the token.
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/")).StatusCode);
        var response = await client.PostAsync(url, new FormUrlEncodedContent(new Dictionary<string, string> { ["returnUrl"] = "/" }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(response.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(c => c.StartsWith(".AspNetCore.Culture") || c.StartsWith("PromptLeo.Theme")));
        Assert.Contains("security token", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("https://evil.example/")]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example/")]
    public async Task CultureSwitch_ForeignReturnUrl_RedirectsHome(string returnUrl)
    {
        var response = await SwitchAsync(factory.CreateBrowserLikeClient(), "/preferences/culture/en", returnUrl);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", response.Headers.Location!.ToString());
    }

    [Fact]
    public async Task ThemeSwitch_Dark_RendersDarkPalette()
    {
        var client = factory.CreateBrowserLikeClient();
        var response = await SwitchAsync(client, "/preferences/theme/dark", "/");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var html = await client.GetStringAsync("/");
        // The toggle now offers the light theme.
        Assert.Contains("aria-label=\"Light theme\"", html);
    }

    // The layout's preference form: token from a rendered page, POST to the switch.
    private static Task<HttpResponseMessage> SwitchAsync(HttpClient client, string action, string returnUrl) =>
        FormPost.PostWithTokenFromAsync(client, "/", action, new Dictionary<string, string> { ["returnUrl"] = returnUrl });

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
