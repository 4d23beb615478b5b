using System.Diagnostics;
using PromptLeo.Web.Features.Telemetry;

namespace PromptLeo.Tests.Web.Telemetry;

public sealed class PersonalDataScrubberTests
{
    [Fact]
    public void OnEnd_SpanWithPersonalAttributes_KeepsRouteAndStatusOnly()
    {
        using var span = new Activity("GET /chat/{Id:guid}");
        span.SetTag("http.route", "/chat/{Id:guid}");
        span.SetTag("http.response.status_code", 500);
        span.SetTag("url.path", "/chat/3f2c0d5e-1111-2222-3333-444455556666");
        span.SetTag("url.query", "?api_key=pl_ABCDEFGH_secret");
        span.SetTag("url.full", "https://api.stripe.com/v1/customers/cus_Person42?expand=email");
        span.SetTag("client.address", "203.0.113.9");
        span.SetTag("user_agent.original", "Mozilla/5.0 (erika@example.de)");
        span.SetTag("enduser.id", "user-42");
        span.SetTag("db.query.text", "SELECT * FROM AspNetUsers WHERE Email = 'erika@example.de'");
        span.SetTag("db.query.parameter.email", "erika@example.de");
        span.SetTag("http.request.header.authorization", "Bearer pl_ABCDEFGH_secret");
        span.SetStatus(ActivityStatusCode.Error, "No user erika@example.de");

        new PersonalDataScrubber().OnEnd(span);

        Assert.Equal(
            ["http.response.status_code=500", "http.route=/chat/{Id:guid}", "url.full=https://api.stripe.com"],
            span.TagObjects.Select(t => $"{t.Key}={t.Value}").Order(StringComparer.Ordinal));
        Assert.Equal(ActivityStatusCode.Error, span.Status);
        Assert.Null(span.StatusDescription);
    }
}
