using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Features.Hosting;

namespace PromptLeo.Web.Features.Billing;

/// <summary>Top-up checkout (a form post from the billing page), Stripe's webhook and the receipt download.</summary>
public static class PaymentEndpoints
{
    /// <summary>Stripe's events are a few KiB; anything much larger is not from Stripe.</summary>
    public const int WebhookBodyLimitBytes = 256 * 1024;

    /// <summary>Part of the billing feature's endpoints (called from its <c>MapPromptLeoBilling</c>).</summary>
    internal static void Map(IEndpointRouteBuilder app)
    {
        var billing = app.MapGroup("/billing").RequireAuthorization().ExcludeFromDescription();
        billing.MapPost("/top-up", StartTopUpAsync)
            .WithMetadata(new RequireAntiforgeryTokenAttribute())
            .AddEndpointFilter(IdentityComponentsEndpointRouteBuilderExtensions.RejectInvalidAntiforgeryToken);
        billing.MapGet("/payments/{id:guid}/receipt.pdf", DownloadReceiptAsync);
        // Stripe signs its calls instead of signing in; the signature check is the authentication.
        app.MapPost("/billing/stripe/webhook", ReceiveWebhookAsync).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
    }

    private static async Task<Results<RedirectHttpResult, NotFound>> StartTopUpAsync(
        HttpContext context, ClaimsPrincipal user, IOptions<PaymentsOptions> options, IServiceProvider services)
    {
        if (!options.Value.Enabled || services.GetService<IPaymentProvider>() is not { } provider || user.FindFirstValue(ClaimTypes.NameIdentifier) is not { } userId)
        {
            return TypedResults.NotFound();
        }
        // The top-up credits the organization the user acts for; only its owners and billing members pay for it.
        var membership = await services.GetRequiredService<Organizations.OrganizationDirectory>().ActiveAsync(userId, context.RequestAborted);
        if (!Organizations.OrganizationPermissions.CanManageBilling(membership.Role))
        {
            return TypedResults.Redirect("/billing?topUp=role");
        }
        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        // The message is shown on the billing page, in the user's language, next to the form.
        var error = TopUpAmount.TryParse(form["amount"], options.Value, out var amountMicros);
        if (error != TopUpAmountError.None)
        {
            return TypedResults.Redirect("/billing?topUp=" + (error == TopUpAmountError.NotWholeCents ? "cents" : "amount"));
        }
        try
        {
            var billingPage = new Uri($"{context.Request.Scheme}://{context.Request.Host}{context.Request.PathBase}/billing");
            return TypedResults.Redirect((await provider.StartCheckoutAsync(userId, membership.OrganizationId, amountMicros, billingPage, context.RequestAborted)).AbsoluteUri);
        }
        catch (PaymentUnavailableException)
        {
            return TypedResults.Redirect("/billing?topUp=unavailable");
        }
    }

    private static async Task<Results<Ok, BadRequest<string>, NotFound, StatusCodeHttpResult>> ReceiveWebhookAsync(
        HttpContext context, IOptions<PaymentsOptions> options, IServiceProvider services)
    {
        // Stripe reads status codes, not pages; a re-executed error page would also demand an antiforgery token.
        if (context.Features.Get<Microsoft.AspNetCore.Diagnostics.IStatusCodePagesFeature>() is { } pages)
        {
            pages.Enabled = false;
        }
        if (!options.Value.Enabled)
        {
            return TypedResults.NotFound();
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = WebhookBodyLimitBytes;
        }
        if (context.Request.ContentLength > WebhookBodyLimitBytes)
        {
            return TypedResults.StatusCode(StatusCodes.Status413PayloadTooLarge);
        }
        string json;
        using (var reader = new StreamReader(context.Request.Body))
        {
            var buffer = new char[WebhookBodyLimitBytes + 1];
            var read = await reader.ReadBlockAsync(buffer, context.RequestAborted);
            if (read > WebhookBodyLimitBytes)
            {
                return TypedResults.StatusCode(StatusCodes.Status413PayloadTooLarge);
            }
            json = new string(buffer, 0, read);
        }
        var outcome = await services.GetRequiredService<StripeWebhook>().HandleAsync(json, context.Request.Headers["Stripe-Signature"].ToString(), context.RequestAborted);
        return outcome switch
        {
            WebhookOutcome.BadSignature => TypedResults.BadRequest("The Stripe-Signature header does not match the payload."),
            WebhookOutcome.Malformed => TypedResults.BadRequest("The payload is not a Stripe event of the expected API version."),
            // Applied, replayed, ignored and unknown payments are all acknowledged, so Stripe stops retrying.
            _ => TypedResults.Ok(),
        };
    }

    // Someone else's payment answers 404, so ids reveal nothing.
    private static async Task<Results<FileContentHttpResult, NotFound>> DownloadReceiptAsync(Guid id, string? lang, ClaimsPrincipal user, TopUpReceipts receipts, HttpContext context)
    {
        context.Response.NoStore();
        var language = lang is "de" or "en" ? lang : Reports.ReportText.Current.Language;
        if (user.FindFirstValue(ClaimTypes.NameIdentifier) is not { } userId || await receipts.GetPdfAsync(userId, id, language, context.RequestAborted) is not { } pdf)
        {
            return TypedResults.NotFound();
        }
        return TypedResults.File(pdf, "application/pdf", $"receipt-{id}.pdf");
    }
}
