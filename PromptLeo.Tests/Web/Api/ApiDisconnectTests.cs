using System.Net;
using PromptLeo.Tests.Fixtures;
using static PromptLeo.Tests.Web.Api.ChatCompletionsApiTests;

namespace PromptLeo.Tests.Web.Api;

public sealed class ApiDisconnectTests(ApiPortalFactory factory) : IClassFixture<ApiPortalFactory>
{
    [Fact]
    public async Task ClientDisconnectMidStream_ChargesOnlyProducedTokens_OutcomeCancelled()
    {
        var (client, userId, _) = await factory.CreateApiClientAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            // Greedy: the random-weight demo model then runs on; sampled output can end before the disconnect.
            Content = Json(new { model = ApiPortalFactory.ChatModel, stream = true, max_tokens = 2000, temperature = 0, messages = new[] { new { role = "user", content = "write forever" } } }),
        };
        using var cts = new CancellationTokenSource();
        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stream = await response.Content.ReadAsStreamAsync(cts.Token);
        using var reader = new StreamReader(stream);
        var chunks = 0;
        while (chunks < 4 && await reader.ReadLineAsync(cts.Token) is { } line)
        {
            if (line.StartsWith("data: {"))
            {
                chunks++;
            }
        }
        await cts.CancelAsync();
        response.Dispose();

        var deadline = DateTime.UtcNow.AddSeconds(20);
        List<PromptLeo.Web.Data.UsageEvent> events;
        while ((events = await factory.UsageEventsAsync(userId)).Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        var usage = Assert.Single(events);
        Assert.InRange(usage.OutputTokens, 3, 1999);
        Assert.Equal("cancelled", Assert.Single(await factory.RecordsAsync(userId)).Outcome);
    }
}
