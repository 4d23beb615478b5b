using System.Net;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Features.RemoteInference;
using static PromptLeo.Tests.Web.Api.ChatCompletionsApiTests;

namespace PromptLeo.Tests.Cluster;

public sealed class RemoteBackendKilledTests
{
    [Fact]
    public async Task BackendKilledMidStream_ClientGetsErrorEvent_NothingCharged_FrontMarksEndpointUnhealthy()
    {
        var pair = new RemotePair();
        await pair.InitializeAsync();
        try
        {
            var front = pair.Front;
            var (client, userId, _) = await front.CreateApiClientAsync();
            var (response, cts) = await RemoteInferenceNodeTests.StartLongStreamAsync(client);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

            await pair.Backend.DisposeAsync();
            var rest = await reader.ReadToEndAsync();

            Assert.DoesNotContain("[DONE]", rest);
            Assert.Matches("\"code\":\"remote_(disconnected|incomplete|timeout)\"", rest);
            Assert.Empty(await front.UsageEventsAsync(userId));
            var record = Assert.Single(await front.RecordsAsync(userId));
            Assert.Equal((RemoteBackendPortal.NodeName, RemoteBackendPortal.Region, "failed"), (record.Node, record.Region, record.Outcome));
            Assert.Equal(RemoteHealth.Unhealthy, (await front.EndpointAsync(RemoteBackendPortal.NodeName)).Health);

            // The front keeps serving: the model list answers, and the model is refused cleanly until the node recovers.
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/v1/models")).StatusCode);
            var again = await client.PostAsync("/v1/chat/completions", Json(new { model = ApiPortalFactory.ChatModel, max_tokens = 4, messages = new[] { new { role = "user", content = "hi" } } }));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, again.StatusCode);
            Assert.Contains("remote_unavailable", await again.Content.ReadAsStringAsync());
            Assert.Empty(await front.UsageEventsAsync(userId));
            cts.Dispose();
        }
        finally
        {
            await pair.DisposeAsync();
        }
    }
}
