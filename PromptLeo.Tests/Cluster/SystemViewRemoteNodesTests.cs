using System.Net;
using AngleSharp.Html.Parser;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.Metering;
using PromptLeo.Web.Features.RemoteInference;

namespace PromptLeo.Tests.Cluster;

/// <summary>The admin system view (<c>/admin/system</c>) shows each remote inference node's health as this node sees it.</summary>
public sealed class SystemViewRemoteNodesTests(RemoteFrontPortal front) : IClassFixture<RemoteFrontPortal>
{
    [Fact]
    public async Task SystemView_HealthyDownAndBrokenNodes_ShowsEachWithLastCheckLatencyAndModels()
    {
        var (healthy, healthyUrl) = await MisbehavingNode.StartAsync("sys-chat", context => MisbehavingNode.WriteEventsAsync(context, "[DONE]"));
        await using var _ = healthy;
        var (broken, brokenUrl) = await MisbehavingNode.StartAsync("sys-broken-chat", context =>
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return Task.CompletedTask;
        });
        await using var __ = broken;
        var administration = front.Services.GetRequiredService<RemoteEndpointAdministration>();
        Assert.True(await administration.CheckNowAsync(await front.RegisterAsync("sys-healthy", healthyUrl, "DE", null, "sys-chat")));
        Assert.False(await administration.CheckNowAsync(await front.RegisterAsync("sys-down", $"http://127.0.0.1:{LoopbackPort.Free()}/v1", "FR", null, "sys-down-chat")));
        var brokenId = await front.RegisterAsync("sys-broken", brokenUrl, "DE", null, "sys-broken-chat");
        await OpenCircuitAsync(brokenId);

        var page = await AdminSystemPageAsync();

        var rows = page.QuerySelectorAll("#system-remote-nodes tr.remote-node").ToDictionary(r => r.GetAttribute("data-remote-node")!);
        Assert.Equal(("healthy", "unhealthy", "circuit-open"), (rows["sys-healthy"].GetAttribute("data-health"), rows["sys-down"].GetAttribute("data-health"), rows["sys-broken"].GetAttribute("data-health")));
        Assert.Equal("sys-chat", rows["sys-healthy"].QuerySelector(".remote-node-models")!.TextContent.Trim());
        Assert.Matches(@"^\d{2}:\d{2}:\d{2} UTC$", rows["sys-healthy"].QuerySelector(".remote-node-checked")!.TextContent.Trim());
        Assert.Matches(@"^\d+ ms$", rows["sys-healthy"].QuerySelector(".remote-node-latency")!.TextContent.Trim());
        Assert.Contains("GET /models could not reach the node", rows["sys-down"].QuerySelector(".remote-node-error")!.TextContent);
        Assert.Contains("circuit open until", rows["sys-broken"].QuerySelector(".remote-node-health")!.TextContent);
    }

    // Requests through the endpoint's real resilience pipeline until its breaker opens (five failed attempts, one retry each).
    private async Task OpenCircuitAsync(Guid endpointId)
    {
        var catalog = front.Services.GetRequiredService<RemoteEndpointCatalog>();
        catalog.Invalidate();
        var endpoint = catalog.Enabled().Single(e => e.Id == endpointId);
        // The front's breaker opens for one second; the page shows the mark for the call's break duration, here long
        // enough to outlast a slow page render on a loaded machine.
        var options = front.Services.GetRequiredService<IOptions<RemoteInferenceOptions>>().Value;
        options = new RemoteInferenceOptions { ResponseTimeout = options.ResponseTimeout, StreamIdleTimeout = options.StreamIdleTimeout, HealthCheckInterval = options.HealthCheckInterval, BreakDuration = TimeSpan.FromMinutes(5) };
        var call = new RemoteCall(endpoint, catalog.State(endpointId), front.Services.GetRequiredService<IHttpClientFactory>().CreateClient(RemoteInferenceRouter.HttpClientName),
            options, TimeProvider.System, NullLogger.Instance);
        InferenceProviderException? last = null;
        for (var i = 0; i < 3; i++)
        {
            last = await Assert.ThrowsAsync<InferenceProviderException>(() => call.SendAsync("/chat/completions", "{}"u8.ToArray(), "sys-broken-chat", "text/event-stream", CancellationToken.None));
        }
        Assert.Equal("remote_unavailable", last!.Code);
    }

    private async Task<AngleSharp.Dom.IDocument> AdminSystemPageAsync()
    {
        var admin = front.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(admin, PortalFactory.AdminEmail, PortalFactory.AdminPassword)).StatusCode);
        var response = await admin.GetAsync("/admin/system");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await new HtmlParser().ParseDocumentAsync(await response.Content.ReadAsStringAsync());
    }
}
