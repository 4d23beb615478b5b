using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PromptLeo.Tests.Fixtures;

/// <summary>
/// A loopback Kestrel server that answers <c>POST /v1/checkout/sessions</c> as Stripe's API does: a form-encoded request,
/// a Checkout Session object as JSON. It keeps every request's form fields and headers, so tests can check what the
/// real Stripe.net client sent.
/// </summary>
public sealed class StripeStub : IAsyncDisposable
{
    private WebApplication app = null!;

    private StripeStub()
    {
    }


    public string BaseUrl { get; private set; } = "";

    /// <summary>Form fields, Authorization and Idempotency-Key of each session request, in order.</summary>
    public ConcurrentQueue<(Dictionary<string, string> Form, string Authorization, string IdempotencyKey)> SessionRequests { get; } = new();

    /// <summary>When set, the API answers with this status and a Stripe error object.</summary>
    public int? FailWith { get; set; }

    public static async Task<StripeStub> StartAsync()
    {
        var stub = new StripeStub();
        (stub.app, stub.BaseUrl) = await LoopbackServer.StartAsync(app => app.MapPost("/v1/checkout/sessions", (Delegate)stub.CreateSessionAsync));
        return stub;
    }

    /// <summary>The session the portal created for <paramref name="paymentId"/> (its client_reference_id).</summary>
    public (string SessionId, long AmountCents) SessionFor(string paymentId)
    {
        var request = SessionRequests.Single(r => r.Form.GetValueOrDefault("client_reference_id") == paymentId);
        return ("cs_test_" + paymentId.Replace("-", ""), long.Parse(request.Form["line_items[0][price_data][unit_amount]"], CultureInfo.InvariantCulture));
    }

    private async Task<IResult> CreateSessionAsync(HttpContext context)
    {
        var form = (await context.Request.ReadFormAsync()).ToDictionary(f => f.Key, f => f.Value.ToString());
        SessionRequests.Enqueue((form, context.Request.Headers.Authorization.ToString(), context.Request.Headers["Idempotency-Key"].ToString()));
        if (FailWith is { } status)
        {
            return Results.Json(new { error = new { type = "api_error", message = "Stub failure" } }, statusCode: status);
        }
        var id = "cs_test_" + form["client_reference_id"].Replace("-", "");
        return Results.Json(Session(id, form["client_reference_id"], long.Parse(form["line_items[0][price_data][unit_amount]"], CultureInfo.InvariantCulture), "unpaid", null, "open",
            form.GetValueOrDefault("success_url"), form.GetValueOrDefault("cancel_url")));
    }

    /// <summary>A Checkout Session object in the shape of Stripe's API reference.</summary>
    public static Dictionary<string, object?> Session(string id, string clientReferenceId, long amountCents, string paymentStatus, string? paymentIntent, string status,
        string? successUrl = null, string? cancelUrl = null) => new()
    {
        ["id"] = id,
        ["object"] = "checkout.session",
        ["amount_subtotal"] = amountCents,
        ["amount_total"] = amountCents,
        ["client_reference_id"] = clientReferenceId,
        ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        ["currency"] = "eur",
        ["customer_email"] = null,
        ["livemode"] = false,
        ["metadata"] = new Dictionary<string, string> { ["payment_id"] = clientReferenceId },
        ["mode"] = "payment",
        ["payment_intent"] = paymentIntent,
        ["payment_method_types"] = new[] { "card", "sepa_debit" },
        ["payment_status"] = paymentStatus,
        ["status"] = status,
        ["success_url"] = successUrl,
        ["cancel_url"] = cancelUrl,
        ["url"] = status == "open" ? "https://checkout.stripe.com/c/pay/" + id : null,
    };

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}

/// <summary>Stripe events as Stripe sends them: the JSON envelope and the <c>Stripe-Signature</c> header.</summary>
public static class StripeEvents
{
    public static string Envelope(string type, object dataObject, string? id = null, string? apiVersion = null) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["id"] = id ?? "evt_" + Guid.NewGuid().ToString("N"),
        ["object"] = "event",
        // Stripe.net refuses events of another API version than the one it is pinned to.
        ["api_version"] = apiVersion ?? Stripe.StripeConfiguration.ApiVersion,
        ["created"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
        ["data"] = new Dictionary<string, object?> { ["object"] = dataObject },
        ["livemode"] = false,
        ["pending_webhooks"] = 1,
        ["request"] = new Dictionary<string, object?> { ["id"] = null, ["idempotency_key"] = null },
        ["type"] = type,
    });

    /// <summary><c>t=…,v1=HMAC-SHA256(secret, "{t}.{payload}")</c> in lower-case hex, as Stripe signs webhooks.</summary>
    public static string Signature(string secret, string payload, DateTimeOffset? at = null)
    {
        var t = (at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{t}.{payload}"));
        return $"t={t},v1={Convert.ToHexStringLower(mac)}";
    }

    public static Dictionary<string, object?> Charge(string paymentIntent, long amountCents, long refundedCents) => new()
    {
        ["id"] = "ch_" + Guid.NewGuid().ToString("N"),
        ["object"] = "charge",
        ["amount"] = amountCents,
        ["amount_refunded"] = refundedCents,
        ["currency"] = "eur",
        ["paid"] = true,
        ["payment_intent"] = paymentIntent,
        ["refunded"] = refundedCents >= amountCents,
        ["status"] = "succeeded",
    };

    public static Dictionary<string, object?> Dispute(string paymentIntent, long amountCents) => new()
    {
        ["id"] = "dp_" + Guid.NewGuid().ToString("N"),
        ["object"] = "dispute",
        ["amount"] = amountCents,
        ["charge"] = "ch_" + Guid.NewGuid().ToString("N"),
        ["currency"] = "eur",
        ["payment_intent"] = paymentIntent,
        ["reason"] = "fraudulent",
        ["status"] = "needs_response",
    };
}
