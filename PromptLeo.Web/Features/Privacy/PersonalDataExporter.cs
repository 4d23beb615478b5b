using System.IO.Compression;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Reports;
using PromptLeo.Web.Features.Storage;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>
/// Builds the Art. 15/20 export ZIP: the profile, the features' data through <see cref="IExportContributor"/>
/// (conversations, images as PNG, billing), processing records, DPA, audit, and the Art. 15 report as PDF. Entries are written one at a time straight into the file, so memory stays bounded by the largest image;
/// the file is encrypted chunk by chunk (<see cref="ChunkedFileEncryption"/>) and decrypted only while downloading.
/// </summary>
public sealed class PersonalDataExporter(
    IDbContextFactory<AppDbContext> dbFactory,
    UserContentCipher cipher,
    ExportFiles exportFiles,
    DataFileWriter writer,
    AccessReportWriter reportWriter,
    IServiceProvider services,
    TimeProvider time)
{
    /// <summary>Writes the ZIP for <paramref name="export"/>; reports progress 0–100. The file appears only when complete.</summary>
    /// <exception cref="StorageFullException">The disk is full; the partial file is removed.</exception>
    public async Task<long> WriteAsync(DataExport export, Func<int, Task> progress, CancellationToken cancellationToken)
    {
        var path = exportFiles.PathFor(export.UserId, export.Id);
        DataFolderPermissions.CreateFolder(Path.GetDirectoryName(path)!);
        var partial = path + ".partial";
        try
        {
            await WriteZipAsync(export, partial, progress, cancellationToken);
            File.Move(partial, path, overwrite: true);
        }
        catch (Exception ex)
        {
            DataFileWriter.DeletePartial(partial);
            if (StorageFaults.IsStorageFull(ex))
            {
                throw new StorageFullException("The export could not be written: the data folder's disk is full.", ex);
            }
            throw;
        }
        return new FileInfo(path).Length;
    }

    private async Task WriteZipAsync(DataExport export, string partial, Func<int, Task> progress, CancellationToken cancellationToken)
    {
        var userId = export.UserId;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var user = await db.Users.AsNoTracking().FirstAsync(u => u.Id == userId, cancellationToken);
        var counts = new Dictionary<string, int>();
        var contributors = services.GetServices<IExportContributor>().ToList();
        var totalSteps = 5 + contributors.Count;
        foreach (var contributor in contributors)
        {
            totalSteps += await contributor.CountStepsAsync(db, userId, cancellationToken);
        }
        var done = 0;
        async Task Step(int n = 1)
        {
            done += n;
            await progress(Math.Min(99, done * 100 / totalSteps));
        }

        // Encrypted as it is written (per-file key wrapped by the user's data key): no cleartext copy on disk.
        await using (var stream = await ChunkedFileEncryption.CreateAsync(writer.Create(partial), cipher, userId, cancellationToken))
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create))
        {
            var archive = new ExportArchive(zip, userId, () => Step());
            await archive.WriteJsonAsync("profile.json", w => WriteProfile(w, user));
            counts["profile"] = 1;
            await Step();

            // The features' own data (conversations, images, billing, ...): Privacy does not know their tables.
            foreach (var contributor in contributors)
            {
                foreach (var (key, value) in await contributor.WriteAsync(archive, db, cancellationToken))
                {
                    counts[key] = value;
                }
                await Step();
            }

            var records = await db.ProcessingRecords.AsNoTracking().Where(r => r.SubjectId == userId).OrderBy(r => r.At).ToListAsync(cancellationToken);
            counts["processingRecords"] = records.Count;
            await archive.WriteJsonAsync("processing-records.json", w => JsonSerializer.Serialize(w, records));
            await Step();

            var dpa = await db.DpaAcceptances.AsNoTracking().Where(d => d.UserId == userId).ToListAsync(cancellationToken);
            counts["dpaAcceptances"] = dpa.Count;
            await archive.WriteJsonAsync("consents-and-dpa.json", w => JsonSerializer.Serialize(w, new
            {
                dpaAcceptances = dpa.Select(d => new { d.Version, d.AcceptedAt, d.IpHash, d.CompanyName, d.CompanyAddress, d.VatId }),
                privacyNotice = new { version = user.PrivacyNoticeVersion, shownAt = user.CreatedAt },
                // The same items the erasure moves into the contract evidence archive (ContractEvidenceArchive).
                keptAfterErasure = $"DPA acceptances (version, day, company, address, VAT ID, IP hash) and the privacy notice version, under a reference of their own, until {services.GetRequiredService<IOptions<PrivacyOptions>>().Value.ContractEvidenceRetentionYears} years after the end of the erasure year ({ContractEvidenceArchive.LegalSource}); an acceptance given for a company organization that outlives the account stays with that organization, without your account id and IP hash",
            }));
            await Step();

            var auditEntries = await db.AuditEntries.AsNoTracking().Where(a => a.SubjectId == userId).OrderBy(a => a.At).ToListAsync(cancellationToken);
            counts["auditEntries"] = auditEntries.Count;
            await archive.WriteJsonAsync("audit.json", w => JsonSerializer.Serialize(w, auditEntries.Select(a => new { a.At, actor = a.ActorId == userId ? "you" : a.ActorId, a.Action, a.Details })));
            await archive.WriteJsonAsync("retention.json", w => JsonSerializer.Serialize(w, new
            {
                chatRetentionDays = user.ChatRetentionDays,
                imageRetentionDays = user.ImageRetentionDays,
                documentRetentionDays = user.DocumentRetentionDays,
                processingRestricted = user.ProcessingRestricted,
                note = "null: kept until you delete it; 0 (chats): never stored",
            }));
            await Step();

            var report = reportWriter.Write(user, counts, time.GetUtcNow(), archive.ReportSections);
            var reportEntry = zip.CreateEntry("report.pdf", CompressionLevel.NoCompression);
            await using (var reportStream = await reportEntry.OpenAsync(cancellationToken))
            {
                await reportStream.WriteAsync(report, cancellationToken);
            }
            await Step();
        }
    }

    private static void WriteProfile(Utf8JsonWriter w, ApplicationUser user) => JsonSerializer.Serialize(w, new
    {
        user.Id,
        user.Email,
        user.EmailConfirmed,
        user.DisplayName,
        user.PhoneNumber,
        user.CompanyName,
        billingAddress = new { street = user.BillingStreet, postalCode = user.BillingPostalCode, city = user.BillingCity, country = user.BillingCountry },
        user.VatId,
        user.PreferredLanguage,
        user.PrefersDarkMode,
        user.TwoFactorEnabled,
        user.CreatedAt,
        user.PrivacyNoticeVersion,
    });
}
