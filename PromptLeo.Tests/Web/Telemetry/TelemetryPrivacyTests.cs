using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Tests.Web.Chat;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Chat;

namespace PromptLeo.Tests.Web.Telemetry;

/// <summary>
/// Spans and metric points, as an exporter receives them, while a person registers, chats in the portal and calls /v1
/// with a key: none of the prompt, the e-mail, the user id, the key or the client address appears anywhere in them.
/// </summary>
public sealed class TelemetryPrivacyTests(TelemetryCapturePortal portal) : IClassFixture<TelemetryCapturePortal>
{
    [Fact]
    public async Task RegisterChatAndApi_SpansAndMetricLabels_HoldNoPersonalData()
    {
        const string phrase = "Geheimprojekt Zitronenfalter 4711";
        const string email = "erika.telemetrie@example.de";
        const string password = "Telemetry-Passw0rd!";
        var browser = portal.CreateBrowserLikeClient();
        await PortalSession.RegisterConfirmAndLoginAsync(portal, browser, email, password);
        string userId;
        await using (var scope = portal.Services.CreateAsyncScope())
        {
            userId = (await scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>().FindByEmailAsync(email))!.Id;
        }

        var chat = portal.Services.GetRequiredService<ChatService>();
        var turn = await ChatServiceTests.RunAsync(chat, new ChatTurnRequest(userId, ChatTurnKind.Send,
            new ChatSettings { ModelId = ApiPortalFactory.ChatModel, MaxTokens = 6, Seed = 1 }) { Prompt = phrase });
        Assert.True(turn.CompletionTokens > 0);

        var key = await portal.CreateKeyAsync(userId);
        var api = portal.ClientWithKey(key.Secret);
        var completion = await api.PostAsJsonAsync("/v1/chat/completions", new
        {
            model = ApiPortalFactory.ChatModel,
            max_tokens = 6,
            messages = new[] { new { role = "user", content = phrase } },
        });
        Assert.Equal(HttpStatusCode.OK, completion.StatusCode);
        // A key in a query string (as a careless client sends it) must not reach a span either.
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/v1/models?api_key={Uri.EscapeDataString(key.Secret)}&user={Uri.EscapeDataString(email)}")).StatusCode);

        // Raw paths carry ids and addresses (a link to a user's resource, a mistyped URL); spans keep only the route.
        await browser.GetAsync($"/files/{userId}/{Uri.EscapeDataString(email)}");

        portal.Flush();
        var spans = portal.Spans.Snapshot();
        var metrics = portal.Metrics.Snapshot();

        // The capture is real: server spans with routes, database spans, engine and request metrics.
        Assert.Contains(spans, s => Equals(s.GetTagItem("http.route"), "/v1/chat/completions"));
        Assert.Contains(spans, s => s.GetTagItem("db.system.name") is not null || s.GetTagItem("db.system") is not null);
        Assert.Contains(metrics, m => m.Name == "promptleo.llm.completion_tokens");
        Assert.Contains(metrics, m => m.Name == "promptleo.inference.requests");
        Assert.Contains(metrics, m => m.Name == "http.server.request.duration");

        string[] secrets = [phrase, "Zitronenfalter", email, "erika.telemetrie", userId, key.Secret, key.Key.Prefix, TelemetryCapturePortal.ClientAddress, Uri.EscapeDataString(email)];
        var texts = spans.SelectMany(SpanTexts).Concat(metrics.SelectMany(MetricTexts)).ToList();
        var leaks = texts.Where(t => secrets.Any(s => t.Contains(s, StringComparison.OrdinalIgnoreCase))).Distinct().ToList();
        Assert.True(leaks.Count == 0, "Personal data in telemetry:\n" + string.Join("\n", leaks));
    }

    private static IEnumerable<string> SpanTexts(Activity span)
    {
        yield return span.DisplayName;
        yield return span.OperationName;
        yield return span.StatusDescription ?? "";
        foreach (var tag in span.TagObjects)
        {
            yield return $"{tag.Key}={tag.Value}";
        }
        foreach (var item in span.Baggage)
        {
            yield return $"{item.Key}={item.Value}";
        }
        foreach (var tag in span.Events.SelectMany(e => e.Tags.Prepend(new("event", e.Name))))
        {
            yield return $"{tag.Key}={tag.Value}";
        }
        foreach (var tag in span.Links.SelectMany(l => l.Tags ?? []))
        {
            yield return $"{tag.Key}={tag.Value}";
        }
    }

    private static IEnumerable<string> MetricTexts(OpenTelemetry.Metrics.MetricSnapshot metric)
    {
        yield return metric.Name;
        foreach (var point in metric.MetricPoints)
        {
            foreach (var tag in point.Tags)
            {
                yield return $"{metric.Name} {tag.Key}={tag.Value}";
            }
        }
    }
}
