using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using PromptLeo.Web.Features.Accounts;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Hosting;
using PromptLeo.Web.Features.Reports;

namespace PromptLeo.Web.Features.Privacy;

public static class PrivacyExtensions
{
    /// <summary>Export, erasure, retention, restriction, DPA, audit log and the PDF documents.</summary>
    public static IHostApplicationBuilder AddPromptLeoPrivacy(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<PrivacyOptions>().BindConfiguration(PrivacyOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<OperatorOptions>().BindConfiguration(OperatorOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<OperatorFacts>();
        services.AddOptions<OrganisationalMeasuresOptions>().BindConfiguration(OrganisationalMeasuresOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<OrganisationalMeasures>();
        services.AddSingleton<ProcessingActivities>();
        services.AddSingleton<LegalDocuments>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<Accounts.IAccountActivity, AccountActivityLog>();
        services.AddSingleton<Microsoft.EntityFrameworkCore.Diagnostics.IInterceptor, AccountDefaultsInterceptor>();
        services.AddSingleton<ExportFiles>();
        services.AddSingleton<ExportQueue>();
        services.AddSingleton<PersonalDataExporter>();
        services.AddSingleton<DataExportService>();
        services.AddSingleton<ExportWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<ExportWorker>());
        services.AddSingleton<AccountEraser>();
        services.AddSingleton<ErasureLedger>();
        services.AddSingleton<ErasureLedgerReplay>();
        services.AddSingleton<PromptLeo.Web.Features.Storage.IRestoreReplay>(sp => sp.GetRequiredService<ErasureLedgerReplay>());
        services.AddHostedService<ErasureResumeService>();
        services.AddSingleton<RetentionPurger>();
        services.AddSingleton<ContractEvidenceArchive>();
        services.AddSingleton<IRetentionParticipant>(sp => sp.GetRequiredService<ContractEvidenceArchive>());
        services.AddHostedService<RetentionPurgeService>();
        services.AddSingleton<PrivacyCenter>();
        services.AddSingleton<TechnicalMeasures>();
        services.AddSingleton<DeletionCertificateWriter>();
        services.AddSingleton<AccessReportWriter>();
        services.AddSingleton<ProcessingEvidenceWriter>();
        services.AddSingleton<ProcessingRegisterWriter>();
        services.AddSingleton<ProcessorRegisterWriter>();
        services.AddSingleton<ImpactAssessmentWriter>();
        services.AddSingleton<DpaDocumentWriter>();
        return builder;
    }

    private static string Language => ReportText.Current.Language;

    private static string UserId(ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.NameIdentifier)!;

    public static IEndpointRouteBuilder MapPromptLeoPrivacy(this IEndpointRouteBuilder endpoints)
    {
        var privacy = endpoints.MapGroup("/privacy").RequireAuthorization();

        privacy.MapGet("/exports/{id:guid}/download", async Task<Results<PushStreamHttpResult, NotFound>> (Guid id, ClaimsPrincipal user, HttpContext context, DataExportService exports, ExportFiles files, UserContentCipher cipher, AuditLog audit, CancellationToken ct) =>
        {
            var userId = UserId(user);
            var export = await exports.FindDownloadableAsync(userId, id, ct);
            var path = export is null ? null : files.PathFor(userId, export.Id);
            if (path is null || !File.Exists(path))
            {
                return TypedResults.NotFound();
            }
            await audit.WriteAsync(userId, userId, AuditActions.ExportDownloaded, $"export {id}", ct);
            context.Response.NoStore();
            // Decrypted chunk by chunk straight into the response.
            return TypedResults.Stream(body => ChunkedFileEncryption.DecryptToAsync(path, cipher, userId, body, ct),
                "application/zip", $"promptleo-export-{export!.CreatedAt.UtcDateTime:yyyyMMdd}.zip");
        });

        privacy.MapGet("/records.pdf", async Task<Results<FileContentHttpResult, ProblemHttpResult>> (string? from, string? to, ClaimsPrincipal user, HttpContext context, ProcessingEvidenceWriter writer, TimeProvider time, CancellationToken ct) =>
        {
            var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
            // The last calendar day has no following day to end the period with.
            if (!TryDate(from, today.AddDays(-30), out var start) || !TryDate(to, today, out var end) || end == DateOnly.MaxValue)
            {
                return TypedResults.Problem("Dates must look like 2026-11-01.", statusCode: StatusCodes.Status400BadRequest);
            }
            if (end < start || end.DayNumber - start.DayNumber > 366)
            {
                return TypedResults.Problem("The period must run forward and span at most 366 days.", statusCode: StatusCodes.Status400BadRequest);
            }
            var pdf = await writer.WriteAsync(UserId(user), Language, Utc(start), Utc(end.AddDays(1)), ct);
            context.Response.NoStore();
            return TypedResults.File(pdf, "application/pdf", $"verarbeitungsnachweis-{start:yyyyMMdd}-{end:yyyyMMdd}.pdf");
        });

        privacy.MapGet("/dpa.pdf", async (ClaimsPrincipal user, HttpContext context, PrivacyCenter center, DpaDocumentWriter writer, TimeProvider time, CancellationToken ct) =>
        {
            var status = await center.GetDpaStatusAsync(UserId(user), ct);
            var pdf = await writer.WriteAsync(Language, status.AcceptedCurrent ? status.Latest : null, time.GetUtcNow(), ct);
            context.Response.NoStore();
            return TypedResults.File(pdf, "application/pdf", $"promptleo-avv-{status.CurrentVersion}.pdf");
        });

        // The account is gone by now: the one-time token from the confirmation step is the only credential.
        endpoints.MapGet("/privacy/erasure/{id:guid}/certificate", async Task<Results<FileContentHttpResult, NotFound>> (Guid id, string? token, HttpContext context, AccountEraser eraser, CancellationToken ct) =>
        {
            var pdf = await eraser.GetCertificateAsync(id, token ?? "", ct);
            if (pdf is null)
            {
                return TypedResults.NotFound();
            }
            context.Response.NoStore();
            return TypedResults.File(pdf, "application/pdf", "loeschprotokoll.pdf");
        }).AllowAnonymous();

        // The final invoice, sealed with the certificate under the same token (the account and its invoice list are gone).
        endpoints.MapGet("/privacy/erasure/{id:guid}/documents/{name}", async Task<Results<FileContentHttpResult, NotFound>> (Guid id, string name, string? token, HttpContext context, AccountEraser eraser, CancellationToken ct) =>
        {
            if ((await eraser.GetDocumentsAsync(id, token ?? "", ct))?.GetValueOrDefault(name) is not { } pdf)
            {
                return TypedResults.NotFound();
            }
            context.Response.NoStore();
            return TypedResults.File(pdf, "application/pdf", name);
        }).AllowAnonymous();

        endpoints.MapGet("/admin/privacy/register.pdf", async (HttpContext context, ProcessingRegisterWriter writer, TimeProvider time, CancellationToken ct) =>
        {
            var pdf = await writer.WriteAsync(Language, time.GetUtcNow(), ct);
            context.Response.NoStore();
            return TypedResults.File(pdf, "application/pdf", "verzeichnis-verarbeitungstaetigkeiten.pdf");
        }).RequireAuthorization(Roles.Admin);

        endpoints.MapGet("/admin/privacy/processor-register.pdf", async (HttpContext context, ProcessorRegisterWriter writer, TimeProvider time, CancellationToken ct) =>
        {
            var pdf = await writer.WriteAsync(Language, time.GetUtcNow(), ct);
            context.Response.NoStore();
            return TypedResults.File(pdf, "application/pdf", "verzeichnis-auftragsverarbeitung.pdf");
        }).RequireAuthorization(Roles.Admin);

        endpoints.MapGet("/admin/privacy/dpia.pdf", async (HttpContext context, ImpactAssessmentWriter writer, TimeProvider time, CancellationToken ct) =>
        {
            var pdf = await writer.WriteAsync(Language, time.GetUtcNow(), ct);
            context.Response.NoStore();
            return TypedResults.File(pdf, "application/pdf", "datenschutz-folgenabschaetzung.pdf");
        }).RequireAuthorization(Roles.Admin);

        return endpoints;
    }

    private static bool TryDate(string? value, DateOnly fallback, out DateOnly date)
    {
        if (string.IsNullOrEmpty(value))
        {
            date = fallback;
            return true;
        }
        return DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
    }

    private static DateTimeOffset Utc(DateOnly date) => new(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
}
