using System.Text.RegularExpressions;
using System.Security.Claims;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Accounts;
using PromptLeo.Web.Features.RemoteInference;

namespace PromptLeo.Tests.Components.RemoteInference;

/// <summary>The admin page's remote endpoints panel, clicked, against the front node's real services and a loopback node.</summary>
public sealed partial class RemoteEndpointsPanelTests : BunitContext, IClassFixture<RemoteFrontPortal>, IAsyncLifetime
{
    private readonly RemoteFrontPortal portal;

    public RemoteEndpointsPanelTests(RemoteFrontPortal portal)
    {
        this.portal = portal;
        Services.AddMudServices();
        Services.AddLocalization();
        Services.AddSingleton(portal.Services.GetRequiredService<RemoteEndpointAdministration>());
        JSInterop.Mode = JSRuntimeMode.Loose;
        AddAuthorization().SetAuthorized(PortalFactory.AdminEmail).SetRoles(Roles.Admin).SetClaims(new Claim(ClaimTypes.NameIdentifier, "panel-admin"));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    // MudBlazor's input services are only IAsyncDisposable; dispose the container asynchronously first.
    async Task IAsyncLifetime.DisposeAsync() => await base.DisposeAsync();

    private static AngleSharp.Dom.IElement Field(IRenderedComponent<RemoteEndpointsPanel> cut, string id) =>
        cut.Find($"input#{id}, textarea#{id}, #{id} input, #{id} textarea");

    private static void Fill(IRenderedComponent<RemoteEndpointsPanel> cut, string name, string url, string region, string models)
    {
        cut.Find("#remote-add").Click();
        Field(cut, "remote-name").Change(name);
        Field(cut, "remote-url").Change(url);
        Field(cut, "remote-region").Change(region);
        Field(cut, "remote-chat-models").Change(models);
        cut.Find("#remote-save").Click();
    }

    [Fact]
    public void Add_RegionOffTheAllowlist_ShowsTheAllowlistAndSavesNothing()
    {
        var cut = Render<RemoteEndpointsPanel>();

        Fill(cut, "panel-us", "https://gpu.example.com/v1", "US", "panel-us-model");

        cut.WaitForAssertion(() => Assert.Contains("The region US is not on the allowlist", cut.Find("#remote-message").TextContent));
        Assert.Empty(cut.FindAll("tr[data-remote-name='panel-us']"));
    }

    [Fact]
    public async Task AddCheckStopCheckRemove_HealthColumnFollowsTheNode()
    {
        var (node, url) = await MisbehavingNode.StartAsync("panel-model", context => MisbehavingNode.WriteEventsAsync(context, "[DONE]"));
        var cut = Render<RemoteEndpointsPanel>();

        Fill(cut, "panel-node", url, "FR", "panel-model");
        cut.WaitForAssertion(() => Assert.Contains("Endpoint panel-node saved.", cut.Find("#remote-message").TextContent));
        cut.Find("[data-remote-check='panel-node']").Click();
        cut.WaitForAssertion(() => Assert.Equal("healthy", cut.Find("tr[data-remote-name='panel-node']").GetAttribute("data-health")), TimeSpan.FromSeconds(10));

        // Stopped: the periodic check (every second here) marks it, and the open page shows it without a click.
        await node.DisposeAsync();
        cut.WaitForAssertion(() => Assert.Equal("unhealthy", cut.Find("tr[data-remote-name='panel-node']").GetAttribute("data-health")), TimeSpan.FromSeconds(15));
        Assert.Contains("GET /models could not reach the node.", cut.Find("tr[data-remote-name='panel-node'] .remote-error").TextContent);

        cut.Find("[data-remote-remove='panel-node']").Click();
        cut.Find("[data-remote-remove-confirm='panel-node']").Click();
        cut.WaitForAssertion(() => Assert.Empty(cut.FindAll("tr[data-remote-name='panel-node']")));
    }

    [Fact]
    public void EveryRemoteInferenceString_HasGermanTranslation() =>
        GermanStrings.AssertFeatureTranslated("RemoteInferenceResource", Path.Combine("Features", "RemoteInference"), minimumKeys: 30);

    [Fact]
    public void EveryRemoteProblem_HasGermanTranslation()
    {
        var problems = GermanStrings.Keys(ProblemText(), 1, Path.Combine("Features", "RemoteInference"));
        var missing = GermanStrings.Missing(GermanStrings.Load("RemoteInferenceResource"), problems);
        Assert.True(problems.Count >= 20, $"expected the health and request problems as RemoteProblem texts, found {problems.Count}");
        Assert.True(missing.Count == 0, "Missing German strings:\n" + string.Join("\n", missing));
    }

    // The texts of RemoteProblem values: "new(" or "new RemoteProblem(" with an English sentence.
    [GeneratedRegex("""\bnew(?: RemoteProblem)?\("([^"]+\.)"[,)]""")]
    private static partial Regex ProblemText();
}
