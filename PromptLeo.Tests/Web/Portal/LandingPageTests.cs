using System.Net;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Models;

namespace PromptLeo.Tests.Web.Portal;

/// <summary>Demo models, a region and hosting locations of its own: the landing page must show these, not built-in text.</summary>
public sealed class LandingPortalFactory : ApiPortalFactory
{
    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>(base.ExtraSettings)
    {
        ["Hosting:Region"] = "DE-NUE",
        ["Privacy:HostingLocations:0"] = "Rack 7 in a data centre in Nuremberg, Germany",
        ["Privacy:HostingLocationsGerman:0"] = "Rack 7 in einem Rechenzentrum in Nürnberg, Deutschland",
    };
}

public sealed class LandingPageTests(LandingPortalFactory factory) : IClassFixture<LandingPortalFactory>
{
    private static readonly HtmlParser Parser = new();

    private async Task<AngleSharp.Html.Dom.IHtmlDocument> HomeAsync(string language, HttpClient? client = null)
    {
        client ??= factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.AcceptLanguage.ParseAdd(language);
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return Parser.ParseDocument(await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Home_Visitor_ListsOfferedModelsWithPublicPricesInTheCultureFormat()
    {
        var prices = factory.Services.GetRequiredService<PriceList>();
        await prices.SetAsync(ApiPortalFactory.ChatModel, 1.25m, 3.5m, 0m, "test-admin");
        await prices.SetAsync(ApiPortalFactory.ImageModel, 0m, 0m, 0.0012m, "test-admin");
        // An organization's contracted price is not the public list: the landing page never shows it.
        var organization = await factory.PersonalOrganizationAsync(await factory.CreateUserAsync());
        await prices.SetAsync(organization, ApiPortalFactory.ChatModel, 9.75m, 9.75m, 0m, "test-admin");

        var english = await HomeAsync("en-US");
        var chat = english.QuerySelector($"tr.home-model[data-model='{ApiPortalFactory.ChatModel}'] .home-model-price")!.TextContent;
        Assert.Equal("1.25 € per million input tokens, 3.50 € per million output tokens", chat);
        var image = english.QuerySelector($"tr.home-model[data-model='{ApiPortalFactory.ImageModel}'] .home-model-price")!.TextContent;
        Assert.Equal("0.0012 € per megapixel and step", image);
        Assert.DoesNotContain("9.75", english.QuerySelector("#home-models-table")!.TextContent);

        var german = await HomeAsync("de-DE");
        Assert.Equal("1,25 € je Million Eingabe-Tokens, 3,50 € je Million Ausgabe-Tokens",
            german.QuerySelector($"tr.home-model[data-model='{ApiPortalFactory.ChatModel}'] .home-model-price")!.TextContent);
        Assert.Equal("Modelle und Preise", german.QuerySelector("#home-models-title")!.TextContent);
    }

    [Fact]
    public async Task Home_ModelDisabledByAdmin_NotListed()
    {
        var availability = factory.Services.GetRequiredService<ModelAvailability>();
        Assert.NotNull((await HomeAsync("en")).QuerySelector($"tr.home-model[data-model='{ApiPortalFactory.ImageModel}']"));
        await availability.SetDisabledAsync(ApiPortalFactory.ImageModel, true, "test-admin");
        try
        {
            var page = await HomeAsync("en");
            Assert.Null(page.QuerySelector($"tr.home-model[data-model='{ApiPortalFactory.ImageModel}']"));
            Assert.NotNull(page.QuerySelector($"tr.home-model[data-model='{ApiPortalFactory.ChatModel}']"));
        }
        finally
        {
            await availability.SetDisabledAsync(ApiPortalFactory.ImageModel, false, "test-admin");
        }
    }

    [Fact]
    public async Task Home_Visitor_ShowsConfiguredRegionAndLocationsInTheirLanguage()
    {
        var english = await HomeAsync("en");
        Assert.Equal("DE-NUE", english.QuerySelector("#home-region-code")!.TextContent);
        Assert.Contains("Rack 7 in a data centre in Nuremberg, Germany", english.QuerySelectorAll("#home-locations li").Select(li => li.TextContent));
        var german = await HomeAsync("de");
        var germanLocations = german.QuerySelectorAll("#home-locations li").Select(li => li.TextContent).ToList();
        Assert.Contains("Rack 7 in einem Rechenzentrum in Nürnberg, Deutschland", germanLocations);
        Assert.DoesNotContain("Rack 7 in a data centre in Nuremberg, Germany", germanLocations);
        Assert.Equal("Wo Ihre Daten verarbeitet werden", german.QuerySelector("#home-region-title")!.TextContent);
    }

    [Fact]
    public async Task Home_PrivacyPromise_LinksToPrivacyCenterDocumentsThatExist()
    {
        var page = await HomeAsync("en");
        var links = page.QuerySelectorAll("#home-privacy-links a").Select(a => a.GetAttribute("href")!).ToList();
        Assert.Equal(["/datenschutz", "/datenschutz#legal-recipients", "/privacy/dpa", "/privacy/dpa.pdf"], links);
        var client = factory.CreateClient(new() { AllowAutoRedirect = false });
        // The policy is public and has the recipients (sub-processors) section the anchor points at.
        var policy = await client.GetStringAsync("/datenschutz");
        Assert.Contains("id=\"legal-recipients\"", policy);
        // The DPA and its annex of measures are there for a signed-in customer; a visitor is sent to the sign-in.
        foreach (var signedIn in new[] { "/privacy/dpa", "/privacy/dpa.pdf" })
        {
            var response = await client.GetAsync(signedIn);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Contains("/Account/Login", response.Headers.Location!.ToString());
        }
        var (member, _, _) = await factory.SignedInClientAsync();
        var dpa = await member.GetAsync("/privacy/dpa.pdf");
        Assert.Equal("application/pdf", dpa.Content.Headers.ContentType?.MediaType);
        Assert.Single(page.QuerySelectorAll("h1"));
    }

    [Fact]
    public async Task Home_SignedInWithDisplayName_GreetsByNameAndAppBarShowsIt()
    {
        var email = $"renate-{Guid.NewGuid():N}@promptleo.test";
        await CreateUserAsync(email, "Renate Zylinski");
        var client = factory.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(client, email, ApiPortalFactory.UserPassword)).StatusCode);

        var page = await HomeAsync("en", client);
        Assert.Equal("Welcome back, Renate Zylinski!", page.QuerySelector("#welcome")!.TextContent);
        Assert.Equal("Renate Zylinski", page.QuerySelector("#appbar-user-name")!.TextContent);
        Assert.DoesNotContain(email, page.QuerySelector("#appbar-menu")!.TextContent);
    }

    [Fact]
    public async Task Home_SignedInWithoutDisplayName_GreetsByLocalPartOfEmail()
    {
        var local = $"hans.meier-{Guid.NewGuid():N}"[..20];
        var email = $"{local}@promptleo.test";
        await CreateUserAsync(email, null);
        var client = factory.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(client, email, ApiPortalFactory.UserPassword)).StatusCode);

        var page = await HomeAsync("en", client);
        Assert.Equal($"Welcome back, {local}!", page.QuerySelector("#welcome")!.TextContent);
        Assert.Equal(local, page.QuerySelector("#appbar-user-name")!.TextContent);
    }

    private async Task CreateUserAsync(string email, string? displayName)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
        var result = await users.CreateAsync(new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true, DisplayName = displayName }, ApiPortalFactory.UserPassword);
        Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Description)));
    }
}
