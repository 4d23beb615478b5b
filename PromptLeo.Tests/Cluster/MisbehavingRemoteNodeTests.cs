using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.RemoteInference;
using static PromptLeo.Tests.Web.Api.ChatCompletionsApiTests;

namespace PromptLeo.Tests.Cluster;

/// <summary>A remote node that is down, slow, sends garbage or fails once: the user gets a clear error and is charged nothing.</summary>
public sealed class MisbehavingRemoteNodeTests(RemoteFrontPortal front) : IClassFixture<RemoteFrontPortal>
{
    private static readonly string Chunk = """{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}""";
    private static readonly string Finish = """{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}""";
    private static readonly string Usage = """{"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}""";

    [Fact]
    public async Task RemoteGarbage_Answers502AndChargesNothing()
    {
        var (node, url) = await MisbehavingNode.StartAsync("garbage-chat", context => MisbehavingNode.WriteEventsAsync(context, "this is not json"));
        await using var _ = node;
        await front.RegisterAsync("garbage-node", url, "DE", null, "garbage-chat");

        var (status, code, userId) = await ChatAsync("garbage-chat");

        Assert.Equal((HttpStatusCode.BadGateway, "remote_invalid_response"), (status, code));
        Assert.Empty(await front.UsageEventsAsync(userId));
        var record = Assert.Single(await front.RecordsAsync(userId));
        Assert.Equal(("garbage-node", "failed"), (record.Node, record.Outcome));
    }

    [Fact]
    public async Task RemoteDown_Answers503AndChargesNothing()
    {
        await front.RegisterAsync("down-node", $"http://127.0.0.1:{LoopbackPort.Free()}/v1", "DE", null, "down-chat");

        var (status, code, userId) = await ChatAsync("down-chat");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Contains(code, new[] { "remote_unreachable", "remote_unavailable" });
        Assert.Empty(await front.UsageEventsAsync(userId));
    }

    [Fact]
    public async Task RemoteSlow_Answers504AfterTheTimeoutAndChargesNothing()
    {
        var (node, url) = await MisbehavingNode.StartAsync("slow-chat", async context =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
            await MisbehavingNode.WriteEventsAsync(context, Chunk, Finish, "[DONE]");
        });
        await using var _ = node;
        await front.RegisterAsync("slow-node", url, "DE", null, "slow-chat");

        var (status, code, userId) = await ChatAsync("slow-chat");

        Assert.Equal((HttpStatusCode.GatewayTimeout, "remote_timeout"), (status, code));
        Assert.Empty(await front.UsageEventsAsync(userId));
    }

    [Fact]
    public async Task RemoteFailsOnceBeforeTheFirstByte_IsRetriedAndSettledFromReportedUsage()
    {
        var calls = 0;
        var (node, url) = await MisbehavingNode.StartAsync("flaky-chat", async context =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return;
            }
            await MisbehavingNode.WriteEventsAsync(context, Chunk, Chunk, Finish, Usage, "[DONE]");
        });
        await using var _ = node;
        await front.RegisterAsync("flaky-node", url, "DE", null, "flaky-chat");

        var (client, userId, _) = await front.CreateApiClientAsync();
        var response = await client.PostAsync("/v1/chat/completions", Json(new { model = "flaky-chat", max_tokens = 16, messages = new[] { new { role = "user", content = "hi" } } }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, calls);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("HiHi", json.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        var usage = Assert.Single(await front.UsageEventsAsync(userId));
        Assert.Equal((7, 3), (usage.InputTokens, usage.OutputTokens));
    }

    [Fact]
    public async Task RemoteWithoutUsage_CountsStreamedDeltas()
    {
        var (node, url) = await MisbehavingNode.StartAsync("counted-chat", context => MisbehavingNode.WriteEventsAsync(context, Chunk, Chunk, Chunk, Finish, "[DONE]"));
        await using var _ = node;
        await front.RegisterAsync("counted-node", url, "DE", null, "counted-chat");

        var (client, userId, _) = await front.CreateApiClientAsync();
        var response = await client.PostAsync("/v1/chat/completions", Json(new { model = "counted-chat", max_tokens = 16, messages = new[] { new { role = "user", content = "abcdefgh" } } }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var usage = Assert.Single(await front.UsageEventsAsync(userId));
        // Three deltas; the prompt "abcdefgh" is 8 UTF-8 bytes, counted as one token per four.
        Assert.Equal((2, 3), (usage.InputTokens, usage.OutputTokens));
    }

    [Fact]
    public async Task RemoteReportingAnotherRegion_IsRefusedAndChargesNothing()
    {
        var (node, url) = await MisbehavingNode.StartAsync("moved-chat", context =>
        {
            context.Response.Headers["X-Processing-Region"] = "US";
            return MisbehavingNode.WriteEventsAsync(context, Chunk, Finish, "[DONE]");
        });
        await using var _ = node;
        await front.RegisterAsync("moved-node", url, "DE", null, "moved-chat");

        var (status, code, userId) = await ChatAsync("moved-chat");

        Assert.Equal((HttpStatusCode.BadGateway, "remote_region_mismatch"), (status, code));
        Assert.Empty(await front.UsageEventsAsync(userId));
    }

    [Fact]
    public async Task RemoteSilentMidStream_EndsWithTimeoutEventAndChargesNothing()
    {
        var (node, url) = await MisbehavingNode.StartAsync("silent-chat", async context =>
        {
            await MisbehavingNode.WriteEventsAsync(context, Chunk);
            await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
        });
        await using var _ = node;
        await front.RegisterAsync("silent-node", url, "DE", null, "silent-chat");

        var (client, userId, _) = await front.CreateApiClientAsync();
        var response = await client.PostAsync("/v1/chat/completions", Json(new { model = "silent-chat", stream = true, max_tokens = 16, messages = new[] { new { role = "user", content = "hi" } } }));
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"content\":\"Hi\"", body);
        Assert.Contains("\"code\":\"remote_timeout\"", body);
        Assert.DoesNotContain("[DONE]", body);
        Assert.Empty(await front.UsageEventsAsync(userId));
        Assert.Equal("failed", Assert.Single(await front.RecordsAsync(userId)).Outcome);
    }

    [Fact]
    public async Task RemoteFailingEveryAttempt_OpensTheEndpointsCircuit()
    {
        var (node, url) = await MisbehavingNode.StartAsync("broken-chat", context =>
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return Task.CompletedTask;
        });
        await using var _ = node;
        var http = front.Services.GetRequiredService<IHttpClientFactory>().CreateClient(RemoteInferenceRouter.HttpClientName);

        // One retry per request: two requests are four failed attempts; the third request's first attempt is the fifth,
        // the breaker's minimum, so the circuit opens and its retry is refused without reaching the node.
        for (var i = 0; i < 2; i++)
        {
            using var failed = await http.PostAsync(url + "/chat/completions", new StringContent("{}"));
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        }
        // Polly 8's exception; the name is compared because an older Polly in the test's dependencies has one of the same name.
        var open = await Assert.ThrowsAnyAsync<Exception>(() => http.PostAsync(url + "/chat/completions", new StringContent("{}")));
        Assert.Equal("Polly.CircuitBreaker.BrokenCircuitException", open.GetType().FullName);
    }

    [Fact]
    public async Task HealthCheck_RegisteredModelNotOffered_MarksUnhealthyWithTheModel()
    {
        var (node, url) = await MisbehavingNode.StartAsync("offered-chat", context => MisbehavingNode.WriteEventsAsync(context, "[DONE]"));
        await using var _ = node;
        var id = await front.RegisterAsync("partial-node", url, "DE", null, "offered-chat\nmissing-chat");

        Assert.False(await front.Services.GetRequiredService<RemoteEndpointAdministration>().CheckNowAsync(id));
        var row = await front.EndpointAsync("partial-node");
        Assert.Equal(RemoteHealth.Unhealthy, row.Health);
        Assert.Contains("missing-chat", row.LastError!.ToString());
    }

    [Fact]
    public async Task RemoteModel_LogProbs_Answers400()
    {
        var (node, url) = await MisbehavingNode.StartAsync("plain-chat", context => MisbehavingNode.WriteEventsAsync(context, Chunk, Finish, "[DONE]"));
        await using var _ = node;
        await front.RegisterAsync("plain-node", url, "DE", null, "plain-chat");

        var (client, userId, _) = await front.CreateApiClientAsync();
        var response = await client.PostAsync("/v1/chat/completions", Json(new { model = "plain-chat", logprobs = true, max_tokens = 4, messages = new[] { new { role = "user", content = "hi" } } }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"param\":\"logprobs\"", await response.Content.ReadAsStringAsync());
        Assert.Empty(await front.UsageEventsAsync(userId));
    }

    private async Task<(HttpStatusCode Status, string? Code, string UserId)> ChatAsync(string model)
    {
        var (client, userId, _) = await front.CreateApiClientAsync();
        var response = await client.PostAsync("/v1/chat/completions", Json(new { model, stream = true, max_tokens = 16, messages = new[] { new { role = "user", content = "hi" } } }));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, json.RootElement.GetProperty("error").GetProperty("code").GetString(), userId);
    }
}
