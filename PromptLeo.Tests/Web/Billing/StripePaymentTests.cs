using System.Net;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.Reports;
using UglyToad.PdfPig;

namespace PromptLeo.Tests.Web.Billing;

/// <summary>The portal with Stripe configured against a loopback <see cref="StripeStub"/>; every log line captured.</summary>
public sealed class StripePortalFactory : PortalFactory
{
    public const string SecretKey = "sk_test_51PromptLeoSecretKeyNeverLogged";
    public const string WebhookSecret = "whsec_PromptLeoTestSigningSecret";
    public const string SellerName = "Lindenhof KI Dienste GmbH";

    public StripePortalFactory() => Stripe = StripeStub.StartAsync().GetAwaiter().GetResult();

    public StripeStub Stripe { get; }

    public CapturingLoggerProvider Logs { get; } = new();

    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Payments:Provider"] = "Stripe",
        ["Payments:StripeSecretKey"] = SecretKey,
        ["Payments:StripeWebhookSecret"] = WebhookSecret,
        ["Payments:StripeApiBase"] = Stripe.BaseUrl,
        ["Payments:MinTopUpEur"] = "5",
        ["Payments:MaxTopUpEur"] = "500",
        ["Operator:Name"] = SellerName,
        ["Operator:Address"] = "Hanauer Landstraße 291, 60314 Frankfurt am Main, Germany",
        ["Operator:VatId"] = "DE287654321",
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<ILoggerProvider>(Logs));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing)
        {
            Stripe.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }
}

public sealed class StripePaymentTests(StripePortalFactory factory) : IClassFixture<StripePortalFactory>
{
    private const string Password = "Pay-Passw0rd!";

    [Theory]
    [InlineData("en", "the payment provider Stripe (Stripe Payments Europe Ltd., Dublin, Ireland)")]
    [InlineData("de", "der Zahlungsdienstleister Stripe (Stripe Payments Europe Ltd., Dublin, Irland)")]
    public async Task RegisterAndPrivacyPolicy_StripeConfigured_NameStripeAsRecipientOfBillingData(string language, string recipient)
    {
        var billing = Assert.Single(factory.Services.GetRequiredService<ProcessingActivities>().Describe(new ReportText(language)), a => a.Kind == RegisterActivity.Billing);
        var policy = WebUtility.HtmlDecode(await factory.CreateClient().GetStringAsync("/datenschutz"));

        Assert.Contains(recipient, billing.Recipients);
        Assert.Contains("Stripe Payments Europe", policy);
    }

    [Fact]
    public async Task TopUp_ReturnToSuccessUrl_BooksCreditOnlyAfterTheSignedWebhook()
    {
        var (client, email, userId) = await SignedInAsync();
        var redirect = await StartTopUpAsync(client, "25.00");
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.StartsWith("https://checkout.stripe.com/c/pay/cs_test_", redirect.Headers.Location!.AbsoluteUri);

        var request = factory.Stripe.SessionRequests.Last();
        var paymentId = request.Form["client_reference_id"];
        Assert.True(Guid.TryParse(paymentId, out _));
        Assert.DoesNotContain(email, string.Join("&", request.Form.Values));
        Assert.Equal("payment", request.Form["mode"]);
        Assert.Equal("card", request.Form["allowed_payment_method_types[0]"]);
        Assert.Equal("sepa_debit", request.Form["allowed_payment_method_types[1]"]);
        Assert.Equal("eur", request.Form["line_items[0][price_data][currency]"]);
        Assert.Equal("2500", request.Form["line_items[0][price_data][unit_amount]"]);
        Assert.EndsWith("/billing?topUp=success", request.Form["success_url"]);
        Assert.EndsWith("/billing?topUp=cancelled", request.Form["cancel_url"]);
        Assert.Equal("Bearer " + StripePortalFactory.SecretKey, request.Authorization);
        Assert.Equal(paymentId, request.IdempotencyKey);

        // The browser comes back from Stripe: a thank-you, but no credit yet.
        var back = await client.GetAsync("/billing?topUp=success");
        Assert.Contains("The credit appears here once Stripe confirms the payment.", WebUtility.HtmlDecode(await back.Content.ReadAsStringAsync()));
        Assert.Equal(0, await BalanceAsync(userId));
        Assert.Equal(PaymentStatus.Pending, (await PaymentAsync(paymentId)).Status);

        var (sessionId, cents) = factory.Stripe.SessionFor(paymentId);
        var response = await SendAsync(StripeEvents.Envelope("checkout.session.completed", StripeStub.Session(sessionId, paymentId, cents, "paid", "pi_card_" + paymentId, "complete")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Money.FromEuro(25m), await BalanceAsync(userId));
        var payment = await PaymentAsync(paymentId);
        Assert.Equal(PaymentStatus.Booked, payment.Status);
        Assert.Equal("card", payment.MethodType);
        Assert.Equal(sessionId, payment.SessionId);

        await using var db = await DbAsync();
        var actions = await db.AuditEntries.Where(a => a.SubjectId == userId).Select(a => a.Action).ToListAsync();
        Assert.Contains(PaymentAuditActions.TopUpRequested, actions);
        Assert.Contains(PaymentAuditActions.TopUpBooked, actions);
        Assert.DoesNotContain(factory.Logs.Lines, l => l.Contains(StripePortalFactory.SecretKey) || l.Contains(StripePortalFactory.WebhookSecret));
    }

    [Fact]
    public async Task Webhook_ReplayedEvent_BooksOnce()
    {
        var (paymentId, userId, sessionId, cents) = await PendingTopUpAsync("40");
        var json = StripeEvents.Envelope("checkout.session.completed", StripeStub.Session(sessionId, paymentId, cents, "paid", "pi_" + Guid.NewGuid().ToString("N"), "complete"));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(json)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(json)).StatusCode);
        // A second event id for the same session (Stripe may send both) books nothing either.
        var again = StripeEvents.Envelope("checkout.session.async_payment_succeeded", StripeStub.Session(sessionId, paymentId, cents, "paid", null, "complete"));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(again)).StatusCode);

        Assert.Equal(Money.FromEuro(40m), await BalanceAsync(userId));
        await using var db = await DbAsync();
        Assert.Equal(1, await db.CreditTransactions.CountAsync(c => c.UserId == userId));
    }

    [Fact]
    public async Task Webhook_BadSignatureStaleOrMalformed_Answers400AndBooksNothing()
    {
        var (paymentId, userId, sessionId, cents) = await PendingTopUpAsync("10");
        var json = StripeEvents.Envelope("checkout.session.completed", StripeStub.Session(sessionId, paymentId, cents, "paid", "pi_x", "complete"));
        var webhook = factory.CreateClient();

        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(webhook, json, StripeEvents.Signature("whsec_someone_else", json))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(webhook, json.Replace("\"livemode\":false", "\"livemode\":true"), StripeEvents.Signature(StripePortalFactory.WebhookSecret, json))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(webhook, json, null)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await PostAsync(webhook, json, StripeEvents.Signature(StripePortalFactory.WebhookSecret, json, DateTimeOffset.UtcNow.AddHours(-1)))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync("{\"id\": \"evt_1\", \"object\": ")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(StripeEvents.Envelope("checkout.session.completed", StripeStub.Session(sessionId, paymentId, cents, "paid", "pi_x", "complete"), apiVersion: "2020-08-27"))).StatusCode);

        Assert.Equal(0, await BalanceAsync(userId));
        Assert.DoesNotContain(factory.Logs.Lines, l => l.StartsWith("Error ") || l.StartsWith("Critical "));
    }

    [Fact]
    public async Task Webhook_AmountOtherThanRequestedOrOversizedBody_BooksNothing()
    {
        var (paymentId, userId, sessionId, cents) = await PendingTopUpAsync("10");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(StripeEvents.Envelope("checkout.session.completed", StripeStub.Session(sessionId, paymentId, cents + 1, "paid", "pi_y", "complete")))).StatusCode);
        Assert.Equal(0, await BalanceAsync(userId));
        Assert.Equal(PaymentStatus.Pending, (await PaymentAsync(paymentId)).Status);

        var padded = StripeStub.Session(sessionId, paymentId, cents, "paid", "pi_y", "complete");
        padded["metadata"] = new Dictionary<string, string> { ["payment_id"] = paymentId, ["padding"] = new string('x', PaymentEndpoints.WebhookBodyLimitBytes) };
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await SendAsync(StripeEvents.Envelope("checkout.session.completed", padded))).StatusCode);
        Assert.Equal(0, await BalanceAsync(userId));
    }

    [Fact]
    public async Task Webhook_SepaAsyncSuccess_BooksOnlyOnSuccessWithMethodSepa()
    {
        var (paymentId, userId, sessionId, cents) = await PendingTopUpAsync("50");
        var intent = "pi_sepa_" + Guid.NewGuid().ToString("N");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(StripeEvents.Envelope("checkout.session.completed", StripeStub.Session(sessionId, paymentId, cents, "unpaid", intent, "complete")))).StatusCode);
        Assert.Equal(0, await BalanceAsync(userId));
        Assert.Equal(PaymentStatus.Pending, (await PaymentAsync(paymentId)).Status);

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(StripeEvents.Envelope("checkout.session.async_payment_succeeded", StripeStub.Session(sessionId, paymentId, cents, "paid", intent, "complete")))).StatusCode);
        Assert.Equal(Money.FromEuro(50m), await BalanceAsync(userId));
        var payment = await PaymentAsync(paymentId);
        Assert.Equal(("sepa_debit", intent, PaymentStatus.Booked), (payment.MethodType, payment.PaymentIntentId, payment.Status));
    }

    [Fact]
    public async Task Webhook_SepaAsyncFailure_MarksFailedAndBooksNothing()
    {
        var (paymentId, userId, sessionId, cents) = await PendingTopUpAsync("50");
        var intent = "pi_sepa_" + Guid.NewGuid().ToString("N");
        await SendAsync(StripeEvents.Envelope("checkout.session.completed", StripeStub.Session(sessionId, paymentId, cents, "unpaid", intent, "complete")));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(StripeEvents.Envelope("checkout.session.async_payment_failed", StripeStub.Session(sessionId, paymentId, cents, "unpaid", intent, "complete")))).StatusCode);

        Assert.Equal(PaymentStatus.Failed, (await PaymentAsync(paymentId)).Status);
        Assert.Equal(0, await BalanceAsync(userId));
        await using var db = await DbAsync();
        Assert.Equal(0, await db.CreditTransactions.CountAsync(c => c.UserId == userId));
    }

    [Fact]
    public async Task Webhook_SepaAsyncFailure_MailsTheOwnerInTheirLanguage()
    {
        var (paymentId, userId, sessionId, cents) = await PendingTopUpAsync("12", german: true);
        var intent = "pi_sepa_" + Guid.NewGuid().ToString("N");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(StripeEvents.Envelope("checkout.session.async_payment_failed", StripeStub.Session(sessionId, paymentId, cents, "unpaid", intent, "complete")))).StatusCode);

        await using var db = await DbAsync();
        var email = await db.Users.Where(u => u.Id == userId).Select(u => u.Email).SingleAsync();
        var mail = await MailPickup.WaitForMailToAsync(factory.MailDirectory, email!);
        Assert.Equal("Aufladung fehlgeschlagen", mail.Subject);
        Assert.Contains(paymentId, mail.TextBody);
    }

    [Fact]
    public async Task Webhook_AbandonedCheckoutExpires_ListedAsFailedOnTheBillingPage()
    {
        var (client, _, userId) = await SignedInAsync();
        Assert.Equal(HttpStatusCode.Redirect, (await StartTopUpAsync(client, "15")).StatusCode);
        var paymentId = factory.Stripe.SessionRequests.Last().Form["client_reference_id"];
        var (sessionId, cents) = factory.Stripe.SessionFor(paymentId);
        Assert.Contains("<td>Pending</td>", WebUtility.HtmlDecode(await client.GetStringAsync("/billing")));

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(StripeEvents.Envelope("checkout.session.expired", StripeStub.Session(sessionId, paymentId, cents, "unpaid", null, "expired")))).StatusCode);
        Assert.Equal(PaymentStatus.Failed, (await PaymentAsync(paymentId)).Status);
        var html = WebUtility.HtmlDecode(await client.GetStringAsync("/billing"));
        Assert.Contains("<td>Failed</td>", html);
        Assert.DoesNotContain($"/billing/payments/{paymentId}/receipt.pdf", html);
        Assert.Equal(0, await BalanceAsync(userId));
    }

    [Fact]
    public async Task Webhook_DisputeAfterUse_ReversesCreditStopsInferenceAndMailsInGerman()
    {
        var (paymentId, userId, email, intent) = await BookedTopUpAsync("20", german: true);
        await using (var db = await DbAsync())
        {
            // The account used 15 EUR of the 20 EUR before the bank disputed the payment.
            db.UsageEvents.Add(new UsageEvent { OrganizationId = await PersonalAsync(userId), UserId = userId, ModelId = "m", Kind = "chat", AmountMicros = Money.FromEuro(15m), Prepaid = true, RequestId = "r1", At = DateTimeOffset.UtcNow });
            await db.SaveChangesAsync();
        }
        await factory.Services.GetRequiredService<BillingAccounts>().SaveSettingsAsync(userId, await PersonalAsync(userId), BillingMode.Prepaid, null);

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(StripeEvents.Envelope("charge.dispute.created", StripeEvents.Dispute(intent, 2000)))).StatusCode);

        Assert.Equal(Money.FromEuro(-15m), await BalanceAsync(userId));
        var payment = await PaymentAsync(paymentId);
        Assert.Equal((PaymentStatus.Reversed, Money.FromEuro(20m)), (payment.Status, payment.ReversedMicros));
        var mail = await MailPickup.WaitForMailToAsync(factory.MailDirectory, email);
        Assert.Equal("Aufladung storniert", mail.Subject);
        Assert.Contains(paymentId, mail.TextBody);
        Assert.Contains("angefochten", mail.TextBody);
        await Assert.ThrowsAsync<BudgetExceededException>(async () =>
            await factory.Services.GetRequiredService<IUsageMeter>().ReserveAsync(new UsageEstimate(userId, null, "m", UsageKind.Chat, "r2", InputTokens: 10, MaxOutputTokens: 10)));

        await using var check = await DbAsync();
        Assert.Contains(await check.AuditEntries.Where(a => a.SubjectId == userId).Select(a => a.Action).ToListAsync(), a => a == PaymentAuditActions.TopUpReversed);
    }

    [Fact]
    public async Task Webhook_PartialThenFullRefund_ReversesOnlyTheRefundedAmountAndMailsInEnglish()
    {
        var (paymentId, userId, email, intent) = await BookedTopUpAsync("30", german: false);
        await SendAsync(StripeEvents.Envelope("charge.refunded", StripeEvents.Charge(intent, 3000, 1000)));
        Assert.Equal(Money.FromEuro(20m), await BalanceAsync(userId));
        var mail = await MailPickup.WaitForMailToAsync(factory.MailDirectory, email);
        Assert.Equal("Top-up reversed", mail.Subject);
        Assert.Contains("refunded", mail.TextBody);

        await SendAsync(StripeEvents.Envelope("charge.refunded", StripeEvents.Charge(intent, 3000, 3000)));
        Assert.Equal(0, await BalanceAsync(userId));
        Assert.Equal(Money.FromEuro(30m), (await PaymentAsync(paymentId)).ReversedMicros);
    }

    [Fact]
    public async Task Webhook_UnknownTypeOrPayment_Answers200AndLogsIdsOnly()
    {
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(StripeEvents.Envelope("customer.created", new Dictionary<string, object?> { ["id"] = "cus_1", ["object"] = "customer", ["email"] = "payer@example.org" }))).StatusCode);
        var stranger = Guid.NewGuid().ToString();
        var eventId = "evt_unknown_" + Guid.NewGuid().ToString("N");
        var session = StripeStub.Session("cs_test_unknown", stranger, 1000, "paid", "pi_unknown", "complete");
        session["customer_details"] = new Dictionary<string, object?> { ["email"] = "payer@example.org", ["name"] = "Erika Zahlerin" };
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(StripeEvents.Envelope("checkout.session.completed", session, eventId))).StatusCode);

        var warning = Assert.Single(factory.Logs.Lines, l => l.StartsWith("Warning ") && l.Contains(eventId));
        Assert.DoesNotContain("payer@example.org", warning);
        Assert.DoesNotContain("Erika", warning);
        await using var db = await DbAsync();
        Assert.False(await db.CreditTransactions.AnyAsync(c => c.Reference.Contains(stranger)));
    }

    [Theory]
    [InlineData("4.99", "Enter an amount from")]
    [InlineData("500.01", "Enter an amount from")]
    [InlineData("abc", "Enter an amount from")]
    [InlineData("12.345", "Enter the amount in whole cents.")]
    public async Task TopUp_InvalidAmount_ShowsMessageAndStartsNoCheckout(string amount, string message)
    {
        var (client, _, _) = await SignedInAsync();
        var before = factory.Stripe.SessionRequests.Count;
        var response = await StartTopUpAsync(client, amount);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var page = await client.GetAsync(response.Headers.Location!.OriginalString);
        var html = WebUtility.HtmlDecode(await page.Content.ReadAsStringAsync());
        Assert.Contains("top-up-message", html);
        Assert.Contains(message, html);
        Assert.Equal(before, factory.Stripe.SessionRequests.Count);
    }

    [Fact]
    public async Task TopUp_StripeDown_ShowsUnavailableAndMarksPaymentFailed()
    {
        var (client, _, userId) = await SignedInAsync();
        factory.Stripe.FailWith = 500;
        try
        {
            var response = await StartTopUpAsync(client, "10");
            Assert.Equal("/billing?topUp=unavailable", response.Headers.Location!.OriginalString);
        }
        finally
        {
            factory.Stripe.FailWith = null;
        }
        await using var db = await DbAsync();
        Assert.Equal(PaymentStatus.Failed, (await db.Payments.SingleAsync(p => p.UserId == userId)).Status);
        Assert.DoesNotContain(factory.Logs.Lines, l => l.StartsWith("Error ") || l.Contains(StripePortalFactory.SecretKey));
    }

    [Theory]
    [InlineData("de", "Beleg über eine Guthabenaufladung", "25,00 EUR", "Karte", "Zahlungsreferenz")]
    [InlineData("en", "Receipt for a credit top-up", "25.00 EUR", "Card", "Payment reference")]
    public async Task Receipt_BookedTopUp_OwnerDownloadsPdfInTheLanguage(string language, string title, string amount, string method, string reference)
    {
        var (paymentId, _, email, intent) = await BookedTopUpAsync("25", german: false);
        var client = factory.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(client, email, Password)).StatusCode);
        var billing = WebUtility.HtmlDecode(await client.GetStringAsync("/billing"));
        Assert.Contains($"/billing/payments/{paymentId}/receipt.pdf", billing);

        var response = await client.GetAsync($"/billing/payments/{paymentId}/receipt.pdf?lang={language}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType!.MediaType);
        var text = PdfText(await response.Content.ReadAsByteArrayAsync());
        foreach (var expected in new[] { title, amount, method, reference, paymentId, intent, StripePortalFactory.SellerName, "DE287654321" })
        {
            Assert.Contains(expected, text);
        }
        Assert.DoesNotContain(language == "de" ? "Receipt" : "Beleg", text);
        Assert.DoesNotContain(email, text);
    }

    [Fact]
    public async Task Receipt_OfAnotherUserOrPendingPayment_Answers404()
    {
        var (paymentId, _, _, _) = await BookedTopUpAsync("25", german: false);
        var (other, _, _) = await SignedInAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/billing/payments/{paymentId}/receipt.pdf")).StatusCode);

        var (pending, owner, _, _) = await PendingTopUpAsync("10");
        var client = factory.CreateBrowserLikeClient();
        await using var db = await DbAsync();
        var email = await db.Users.Where(u => u.Id == owner).Select(u => u.Email).SingleAsync();
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(client, email!, Password)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/billing/payments/{pending}/receipt.pdf")).StatusCode);
    }

    [Fact]
    public async Task Export_BookedTopUp_ListsPaymentAndReceiptPdf()
    {
        var (paymentId, userId, _, intent) = await BookedTopUpAsync("25", german: true);
        var contributor = factory.Services.GetServices<PromptLeo.Web.Features.Privacy.IExportContributor>().OfType<PaymentsExportContributor>().Single();
        using var buffer = new MemoryStream();
        using (var zip = new System.IO.Compression.ZipArchive(buffer, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            await using var db = await DbAsync();
            var counts = await contributor.WriteAsync(new PromptLeo.Web.Features.Privacy.ExportArchive(zip, userId, () => Task.CompletedTask), db, CancellationToken.None);
            Assert.Equal(1, counts["receipts"]);
        }
        buffer.Position = 0;
        using var read = new System.IO.Compression.ZipArchive(buffer, System.IO.Compression.ZipArchiveMode.Read);
        using (var json = new StreamReader(read.GetEntry("payments.json")!.Open()))
        {
            var text = await json.ReadToEndAsync();
            Assert.Contains(paymentId, text);
            Assert.Contains(intent, text);
        }
        using var pdf = new MemoryStream();
        await read.GetEntry($"receipts/receipt-{paymentId}.pdf")!.Open().CopyToAsync(pdf);
        Assert.Contains("Beleg über eine Guthabenaufladung", PdfText(pdf.ToArray()));
    }

    [Fact]
    public async Task Erase_WithBookedAndPendingTopUps_KeepsBookedPaymentPseudonymizedLikeItsCreditAndDropsThePending()
    {
        var (booked, userId, _, _) = await BookedTopUpAsync("25", german: false);
        await using (var db = await DbAsync())
        {
            db.Payments.Add(new Payment { UserId = userId, AmountMicros = Money.FromEuro(9m), CreatedAt = DateTimeOffset.UtcNow, SessionId = "cs_test_pending_" + Guid.NewGuid().ToString("N") });
            await db.SaveChangesAsync();
        }
        await using (var db = await DbAsync())
        {
            var participant = factory.Services.GetServices<PromptLeo.Web.Features.Privacy.IErasureParticipant>().OfType<PaymentsErasureParticipant>().Single();
            var retained = Assert.Single(await participant.RetainedAsync(db, userId, DateTimeOffset.UtcNow, CancellationToken.None));
            Assert.StartsWith("1 payment for top-ups", retained.Name);
            Assert.Equal(DateTimeOffset.UtcNow.Year + 8, retained.RetainedUntil.Year);
        }
        await factory.Services.GetRequiredService<PromptLeo.Web.Features.Privacy.AccountEraser>().EraseAsync(userId, userId);

        await using var check = await DbAsync();
        Assert.False(await check.Payments.AnyAsync(p => p.UserId == userId));
        var kept = await check.Payments.SingleAsync(p => p.Id == Guid.Parse(booked));
        Assert.StartsWith("erased-", kept.UserId);
        var credit = await check.CreditTransactions.SingleAsync(c => c.Reference == StripeWebhook.CreditReferencePrefix + booked);
        Assert.Equal(kept.UserId, credit.UserId);
        Assert.Equal(1, await check.Payments.CountAsync(p => p.UserId == kept.UserId));
    }

    [Fact]
    public async Task OrganizationTopUp_BooksToTheOrganizationOnlyAfterTheSignedWebhook_ReceiptNamesIt_OnlyOwnersAndBillingPay()
    {
        var directory = factory.Services.GetRequiredService<PromptLeo.Web.Features.Organizations.OrganizationDirectory>();
        var (owner, ownerEmail, ownerId) = await SignedInAsync();
        var (member, memberEmail, memberId) = await SignedInAsync();
        var (_, billingEmail, billingId) = await SignedInAsync(german: true);
        var company = await directory.CreateAsync(ownerId, new PromptLeo.Web.Features.Organizations.OrganizationDetails("Kranich Logistik GmbH", "Hafenstr. 2", "20457", "Hamburg", "DE", null, "en"));
        await using (var db = await DbAsync())
        {
            db.OrganizationMembers.Add(new OrganizationMember { OrganizationId = company, UserId = memberId, Role = OrganizationRole.Member });
            db.OrganizationMembers.Add(new OrganizationMember { OrganizationId = company, UserId = billingId, Role = OrganizationRole.Billing });
            await db.SaveChangesAsync();
        }
        foreach (var id in new[] { ownerId, memberId, billingId })
        {
            Assert.True(await directory.SetActiveAsync(id, company));
        }

        // A member (no billing role) cannot pay for the organization.
        var refused = await StartTopUpAsync(member, "40");
        Assert.Equal("/billing?topUp=role", refused.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.Redirect, (await StartTopUpAsync(owner, "40")).StatusCode);
        Payment payment;
        await using (var db = await DbAsync())
        {
            payment = await db.Payments.SingleAsync(p => p.OrganizationId == company);
        }
        Assert.Equal(ownerId, payment.UserId);
        var accounts = factory.Services.GetRequiredService<BillingAccounts>();
        Assert.Equal(0, await accounts.BalanceAsync(company));

        var (sessionId, cents) = factory.Stripe.SessionFor(payment.Id.ToString());
        var intent = "pi_" + Guid.NewGuid().ToString("N");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(StripeEvents.Envelope("checkout.session.completed", StripeStub.Session(sessionId, payment.Id.ToString(), cents, "paid", intent, "complete")))).StatusCode);

        Assert.Equal(Money.FromEuro(40m), await accounts.BalanceAsync(company));
        Assert.Equal(0, await accounts.BalanceAsync(await PersonalAsync(ownerId)));
        var receipt = await owner.GetAsync($"/billing/payments/{payment.Id}/receipt.pdf?lang=en");
        Assert.Equal(HttpStatusCode.OK, receipt.StatusCode);
        var text = PdfText(await receipt.Content.ReadAsByteArrayAsync());
        Assert.Contains("Kranich Logistik GmbH", text);
        Assert.Contains("credit of the organization", text);
        Assert.Equal(HttpStatusCode.NotFound, (await member.GetAsync($"/billing/payments/{payment.Id}/receipt.pdf?lang=en")).StatusCode);

        // A dispute takes the credit back and tells the owners and billing members, each in their language; not the member.
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(StripeEvents.Envelope("charge.dispute.created", StripeEvents.Dispute(intent, 4000)))).StatusCode);
        Assert.Equal(0, await accounts.BalanceAsync(company));
        Assert.Equal("Top-up reversed: Kranich Logistik GmbH", (await MailPickup.WaitForMailToAsync(factory.MailDirectory, ownerEmail)).Subject);
        Assert.Equal("Aufladung storniert: Kranich Logistik GmbH", (await MailPickup.WaitForMailToAsync(factory.MailDirectory, billingEmail)).Subject);
        Assert.DoesNotContain(Directory.GetFiles(factory.MailDirectory, "*.eml").Select(f => MimeKit.MimeMessage.Load(f)), m => m.To.Mailboxes.Any(a => a.Address == memberEmail) && m.Subject?.Contains("Kranich") == true);
    }

    private static string PdfText(byte[] pdf)
    {
        using var document = PdfDocument.Open(pdf);
        return string.Join("\n", document.GetPages().Select(p => string.Join(" ", p.GetWords().Select(w => w.Text))));
    }

    private async Task<(HttpClient Client, string Email, string UserId)> SignedInAsync(bool german = false)
    {
        var email = $"pay-{Guid.NewGuid():N}@promptleo.test";
        string userId;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            var user = new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true, PreferredLanguage = german ? "de" : "en" };
            var result = await users.CreateAsync(user, Password);
            Assert.True(result.Succeeded, string.Join("; ", result.Errors.Select(e => e.Description)));
            userId = user.Id;
        }
        var client = factory.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(client, email, Password)).StatusCode);
        return (client, email, userId);
    }

    private static Task<HttpResponseMessage> StartTopUpAsync(HttpClient client, string amount) =>
        FormPost.PostWithTokenFromAsync(client, "/billing", "/billing/top-up", new Dictionary<string, string> { ["amount"] = amount });

    private async Task<(string PaymentId, string UserId, string SessionId, long Cents)> PendingTopUpAsync(string amount, bool german = false)
    {
        var (client, _, userId) = await SignedInAsync(german);
        Assert.Equal(HttpStatusCode.Redirect, (await StartTopUpAsync(client, amount)).StatusCode);
        await using var db = await DbAsync();
        var paymentId = (await db.Payments.SingleAsync(p => p.UserId == userId)).Id.ToString();
        var (sessionId, cents) = factory.Stripe.SessionFor(paymentId);
        return (paymentId, userId, sessionId, cents);
    }

    private async Task<(string PaymentId, string UserId, string Email, string PaymentIntent)> BookedTopUpAsync(string amount, bool german)
    {
        var (paymentId, userId, sessionId, cents) = await PendingTopUpAsync(amount, german);
        var intent = "pi_" + Guid.NewGuid().ToString("N");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(StripeEvents.Envelope("checkout.session.completed", StripeStub.Session(sessionId, paymentId, cents, "paid", intent, "complete")))).StatusCode);
        await using var db = await DbAsync();
        var email = await db.Users.Where(u => u.Id == userId).Select(u => u.Email).SingleAsync();
        return (paymentId, userId, email!, intent);
    }

    private Task<HttpResponseMessage> SendAsync(string json) =>
        PostAsync(factory.CreateClient(), json, StripeEvents.Signature(StripePortalFactory.WebhookSecret, json));

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, string json, string? signature)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/billing/stripe/webhook") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (signature is not null)
        {
            request.Headers.TryAddWithoutValidation("Stripe-Signature", signature);
        }
        return client.SendAsync(request);
    }

    // A personal organization's credit is its owner's, as before organizations.
    private async Task<long> BalanceAsync(string userId) => await factory.Services.GetRequiredService<BillingAccounts>().BalanceAsync(await PersonalAsync(userId));

    private Task<Guid> PersonalAsync(string userId) => factory.Services.GetRequiredService<PromptLeo.Web.Features.Organizations.OrganizationDirectory>().PersonalIdAsync(userId);

    private async Task<Payment> PaymentAsync(string paymentId)
    {
        await using var db = await DbAsync();
        return await db.Payments.AsNoTracking().SingleAsync(p => p.Id == Guid.Parse(paymentId));
    }

    private Task<AppDbContext> DbAsync() => factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
}

/// <summary>Without a payment provider the billing page points to the operator, and the checkout endpoint does not exist.</summary>
public sealed class ManualTopUpTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    [Fact]
    public void Register_ProviderNone_NamesNoPaymentProvider()
    {
        foreach (var language in new[] { "en", "de" })
        {
            Assert.All(factory.Services.GetRequiredService<ProcessingActivities>().Describe(new ReportText(language)), a => Assert.DoesNotContain("Stripe", a.Recipients));
        }
    }

    [Fact]
    public async Task BillingPage_ProviderNone_ShowsOperatorNoticeAndNoCheckout()
    {
        var email = $"manual-{Guid.NewGuid():N}@promptleo.test";
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<ApplicationUser>>();
            Assert.True((await users.CreateAsync(new ApplicationUser { UserName = email, Email = email, EmailConfirmed = true }, "Pay-Passw0rd!")).Succeeded);
        }
        var client = factory.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.Redirect, (await PortalSession.LoginAsync(client, email, "Pay-Passw0rd!")).StatusCode);
        var html = WebUtility.HtmlDecode(await client.GetStringAsync("/billing"));
        Assert.Contains("Top-ups are booked by the operator; contact", html);
        Assert.DoesNotContain("top-up-form", html);

        var post = await FormPost.PostWithTokenFromAsync(client, "/billing", "/billing/top-up", new Dictionary<string, string> { ["amount"] = "10" });
        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
        var webhook = await factory.CreateClient().PostAsync("/billing/stripe/webhook", new StringContent("{}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NotFound, webhook.StatusCode);
    }
}

public sealed class PaymentsSecretsTests
{
    [Theory]
    [InlineData("--Payments:StripeSecretKey=sk_live_abc123", "Payments:StripeSecretKey")]
    [InlineData("--Payments:StripeWebhookSecret=whsec_abc123", "Payments:StripeWebhookSecret")]
    public void SecretArgument_StripeKeys_AreRefusedWithoutEchoingThem(string argument, string setting)
    {
        var error = new StringWriter();
        Assert.True(PromptLeo.Web.Features.Cli.CommandLine.RefusesSecretArguments(["--urls", "http://127.0.0.1:5080", argument], error));
        Assert.Contains($"{setting} is not accepted on the command line", error.ToString());
        Assert.DoesNotContain("abc123", error.ToString());
    }

    [Fact]
    public void Options_StripeWithoutSecrets_FailValidationNamingTheSettingOnly()
    {
        var options = new PaymentsOptions { Provider = PaymentProviderKind.Stripe, StripeSecretKey = " " };
        var errors = options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)).Select(e => e.ErrorMessage).ToList();
        Assert.Contains("Payments:StripeSecretKey is required when Payments:Provider is Stripe.", errors);
        Assert.Contains("Payments:StripeWebhookSecret is required when Payments:Provider is Stripe.", errors);
        Assert.Empty(new PaymentsOptions().Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)));
    }
}
