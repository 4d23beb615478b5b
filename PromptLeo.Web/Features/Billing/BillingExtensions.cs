using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PromptLeo.Web.Features.Hosting;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Web.Features.Billing;

public static class BillingExtensions
{
    /// <summary>The usage ledger (the <see cref="IUsageMeter"/>), prices, budgets, credit, invoices.</summary>
    public static IHostApplicationBuilder AddPromptLeoBilling(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<BillingOptions>().BindConfiguration(BillingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<PriceList>();
        services.AddSingleton<BudgetAlerts>();
        services.AddSingleton<UsageLedger>();
        services.AddSingleton<IUsageMeter>(sp => sp.GetRequiredService<UsageLedger>());
        services.AddHostedService<UsageReservationRenewal>();
        services.AddSingleton<BillingAccounts>();
        services.AddSingleton<UsageReports>();
        services.AddOptions<InvoicingOptions>().BindConfiguration(InvoicingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<InvoiceMail>();
        services.AddSingleton<OrganizationContractSettings>();
        services.AddSingleton<InvoiceIssuer>();
        services.AddSingleton<FinalInvoiceMail>();
        services.AddSingleton<IErasureParticipant, BillingErasureParticipant>();
        services.AddSingleton<IRetentionParticipant, InvoiceArchiveRetention>();
        services.AddSingleton<IRetentionParticipant, ErasedBooksRetention>();
        services.AddSingleton<IExportContributor, BillingExportContributor>();
        services.AddHostedService<MonthlyInvoiceJob>();
        AddPayments(services);
        return builder;
    }

    /// <summary>Top-ups through a payment provider (Stripe Checkout), receipts and the webhook; with no provider admins book credit by hand.</summary>
    private static void AddPayments(IServiceCollection services)
    {
        services.AddOptions<PaymentsOptions>().BindConfiguration(PaymentsOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient(StripeCheckout.HttpClientName);
        services.AddSingleton<StripeCheckout>();
        services.AddSingleton<IPaymentProvider>(sp => sp.GetRequiredService<StripeCheckout>());
        services.AddSingleton<StripeWebhook>();
        services.AddSingleton<PaymentMail>();
        services.AddSingleton<TopUpReceipts>();
        services.AddSingleton<IProcessingRecipient, PaymentProviderRecipient>();
        services.AddSingleton<IErasureParticipant, PaymentsErasureParticipant>();
        services.AddSingleton<IExportContributor, PaymentsExportContributor>();
    }

    /// <summary>Owner-only downloads for the billing page: the ledger as CSV.</summary>
    public static IEndpointRouteBuilder MapPromptLeoBilling(this IEndpointRouteBuilder app)
    {
        var billing = app.MapGroup("/billing").RequireAuthorization();
        billing.MapGet("/usage.csv", DownloadUsageAsync);
        billing.MapGet("/invoices/{id:guid}.pdf", DownloadInvoiceAsync);
        PaymentEndpoints.Map(app);
        billing.MapGet("/invoices/{id:guid}.xml", DownloadEInvoiceAsync);
        billing.MapGet("/invoices/{id:guid}/zugferd.pdf", DownloadZugferdAsync);
        return app;
    }

    // Only the invoiced organization's owners and billing members; anyone else gets 404, so ids reveal nothing.
    private static async Task<Results<FileContentHttpResult, NotFound>> DownloadInvoiceAsync(Guid id, ClaimsPrincipal user, InvoiceIssuer invoices, HttpContext context)
    {
        context.Response.NoStore();
        if (user.FindFirstValue(ClaimTypes.NameIdentifier) is not { } userId || await invoices.GetPdfAsync(userId, id) is not { } pdf)
        {
            return TypedResults.NotFound();
        }
        return TypedResults.File(pdf.Pdf, "application/pdf", pdf.Number + ".pdf");
    }

    // The ZUGFeRD/Factur-X PDF of any invoice; 404 as for the PDF.
    private static async Task<Results<FileContentHttpResult, NotFound>> DownloadZugferdAsync(Guid id, ClaimsPrincipal user, InvoiceIssuer invoices, HttpContext context)
    {
        context.Response.NoStore();
        if (user.FindFirstValue(ClaimTypes.NameIdentifier) is not { } userId || await invoices.GetZugferdAsync(userId, id, context.RequestAborted) is not { } pdf)
        {
            return TypedResults.NotFound();
        }
        return TypedResults.File(pdf.Pdf, "application/pdf", pdf.Number + "-zugferd.pdf");
    }

    // The XRechnung of any invoice; 404 for an invoice of an organization the user does not handle billing for.
    private static async Task<Results<FileContentHttpResult, NotFound>> DownloadEInvoiceAsync(Guid id, ClaimsPrincipal user, InvoiceIssuer invoices, HttpContext context)
    {
        context.Response.NoStore();
        if (user.FindFirstValue(ClaimTypes.NameIdentifier) is not { } userId || await invoices.GetXmlAsync(userId, id) is not { } xml)
        {
            return TypedResults.NotFound();
        }
        return TypedResults.File(xml.Xml, "application/xml", xml.Number + ".xml");
    }

    private static async Task<Results<FileContentHttpResult, UnauthorizedHttpResult, ProblemHttpResult>> DownloadUsageAsync(ClaimsPrincipal user, UsageReports reports, Organizations.OrganizationDirectory organizations, TimeProvider time, int? year, int? month, HttpContext context)
    {
        context.Response.NoStore();
        if (user.FindFirstValue(ClaimTypes.NameIdentifier) is not { } userId)
        {
            return TypedResults.Unauthorized();
        }
        // The calendar ends at 9999; a month must also have a following month to bound the query.
        if (year is < 1 or > 9998 || month is < 1 or > 12)
        {
            return TypedResults.Problem("year must be 1 to 9998 and month 1 to 12.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid period");
        }
        var now = time.GetUtcNow();
        var start = year is { } y && month is { } m ? new DateTimeOffset(y, m, 1, 0, 0, 0, TimeSpan.Zero) : UsageLedger.MonthStart(now);
        // The organization the user acts for: everyone's usage for owners, admins and billing members, else their own.
        var membership = await organizations.ActiveAsync(userId, context.RequestAborted);
        var events = await reports.EventsAsync(membership.OrganizationId, Organizations.OrganizationPermissions.CanSeeUsage(membership.Role) ? null : userId, start, start.AddMonths(1), context.RequestAborted);
        var bytes = System.Text.Encoding.UTF8.GetBytes(UsageReports.ToCsv(events));
        return TypedResults.File(bytes, "text/csv", $"promptleo-usage-{start:yyyy-MM}.csv");
    }
}
