using System.IO.Compression;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Reports;
using PromptLeo.Web.Features.Storage;

namespace PromptLeo.Web.Features.Privacy;

/// <summary>A feature that contributes a category to the export (e.g. billing adds its ledger and invoices).</summary>
public interface IExportContributor
{
    /// <summary>Writes the user's entries into <paramref name="zip"/>; returns category → count for the report.</summary>
    Task<IReadOnlyDictionary<string, int>> WriteAsync(ZipArchive zip, string userId, CancellationToken cancellationToken);
}

/// <summary>
/// Builds the Art. 15/20 export ZIP: JSON per category, the images as PNG with a JSON index, and the Art. 15 report
/// as PDF. Entries are written one at a time straight into the file, so memory stays bounded by the largest image;
/// the file is encrypted chunk by chunk (<see cref="ChunkedFileEncryption"/>) and decrypted only while downloading.
/// </summary>
public sealed class PersonalDataExporter(
    IDbContextFactory<AppDbContext> dbFactory,
    UserContentCipher cipher,
    EncryptedFileStore files,
    ExportFiles exportFiles,
    DataFileWriter writer,
    AccessReportWriter reportWriter,
    IServiceProvider services,
    TimeProvider time)
{
    private static readonly JsonWriterOptions JsonOptions = new() { Indented = true };

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
        var conversationIds = await db.Conversations.Where(c => c.UserId == userId).OrderBy(c => c.CreatedAt).Select(c => c.Id).ToListAsync(cancellationToken);
        var imageIds = await db.GeneratedImages.Where(i => i.UserId == userId).OrderBy(i => i.CreatedAt).Select(i => i.Id).ToListAsync(cancellationToken);
        var totalSteps = conversationIds.Count + imageIds.Count + 8;
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
            await WriteJsonAsync(zip, "profile.json", w => WriteProfile(w, user));
            counts["profile"] = 1;
            await Step();

            counts["conversations"] = conversationIds.Count;
            counts["messages"] = 0;
            await WriteJsonAsync(zip, "conversations.json", async w =>
            {
                w.WriteStartArray();
                foreach (var id in conversationIds)
                {
                    // One conversation at a time, untracked: memory stays bounded by the largest conversation.
                    var c = await db.Conversations.AsNoTracking().Include(x => x.Messages).FirstAsync(x => x.Id == id, cancellationToken);
                    w.WriteStartObject();
                    w.WriteString("id", c.Id);
                    w.WriteString("title", await cipher.DecryptStringAsync(userId, ContentPurpose.ConversationTitle, c.TitleCipher, cancellationToken));
                    w.WriteString("systemPrompt", c.SystemPromptCipher is null ? null : await cipher.DecryptStringAsync(userId, ContentPurpose.SystemPrompt, c.SystemPromptCipher, cancellationToken));
                    w.WriteString("model", c.ModelId);
                    w.WriteBoolean("pinned", c.Pinned);
                    w.WriteString("createdAt", c.CreatedAt);
                    w.WriteString("updatedAt", c.UpdatedAt);
                    w.WriteStartArray("messages");
                    foreach (var m in c.Messages.OrderBy(m => m.Ordinal))
                    {
                        w.WriteStartObject();
                        w.WriteString("role", m.Role);
                        w.WriteString("content", await cipher.DecryptStringAsync(userId, ContentPurpose.Message, m.ContentCipher, cancellationToken));
                        w.WriteString("model", m.ModelId);
                        w.WriteNumber("inputTokens", m.InputTokens);
                        w.WriteNumber("outputTokens", m.OutputTokens);
                        w.WriteBoolean("incomplete", m.Incomplete);
                        w.WriteString("requestId", m.RequestId);
                        w.WriteString("createdAt", m.CreatedAt);
                        w.WriteEndObject();
                        counts["messages"]++;
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                    await w.FlushAsync(cancellationToken);
                    await Step();
                }
                w.WriteEndArray();
            });

            var presets = await db.ChatPresets.AsNoTracking().Where(p => p.UserId == userId).ToListAsync(cancellationToken);
            counts["presets"] = presets.Count;
            await WriteJsonAsync(zip, "presets.json", async w =>
            {
                w.WriteStartArray();
                foreach (var p in presets)
                {
                    w.WriteStartObject();
                    w.WriteString("name", await cipher.DecryptStringAsync(userId, ContentPurpose.PresetName, p.NameCipher, cancellationToken));
                    w.WriteString("systemPrompt", await cipher.DecryptStringAsync(userId, ContentPurpose.PresetPrompt, p.SystemPromptCipher, cancellationToken));
                    w.WriteNumber("temperature", p.Temperature);
                    w.WriteNumber("topP", p.TopP);
                    w.WriteNumber("maxTokens", p.MaxTokens);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            });
            await Step();

            // PNG entries first (a ZIP takes one open entry at a time); the index follows with the small metadata.
            counts["images"] = imageIds.Count;
            var index = new List<(GeneratedImage Image, string? File, byte[] Parameters)>();
            foreach (var id in imageIds)
            {
                var image = await db.GeneratedImages.AsNoTracking().FirstAsync(i => i.Id == id, cancellationToken);
                var png = await files.ReadAsync(userId, image.FileName, ContentPurpose.ImageFile, cancellationToken);
                var name = $"images/{image.Id:N}.png";
                if (png is not null)
                {
                    var entry = zip.CreateEntry(name, CompressionLevel.NoCompression);
                    await using var entryStream = await entry.OpenAsync(cancellationToken);
                    await entryStream.WriteAsync(png, cancellationToken);
                }
                index.Add((image, png is null ? null : name, await cipher.DecryptAsync(userId, ContentPurpose.ImageParameters, image.ParametersCipher, cancellationToken)));
                await Step();
            }
            await WriteJsonAsync(zip, "images/index.json", w =>
            {
                w.WriteStartArray();
                foreach (var (image, file, parameters) in index)
                {
                    w.WriteStartObject();
                    w.WriteString("id", image.Id);
                    w.WriteString("file", file);
                    w.WriteString("kind", image.Kind);
                    w.WriteString("model", image.ModelId);
                    w.WriteNumber("width", image.Width);
                    w.WriteNumber("height", image.Height);
                    w.WritePropertyName("parameters");
                    using (var document = JsonDocument.Parse(parameters))
                    {
                        document.WriteTo(w);
                    }
                    w.WriteString("createdAt", image.CreatedAt);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            });

            var records = await db.ProcessingRecords.AsNoTracking().Where(r => r.SubjectId == userId).OrderBy(r => r.At).ToListAsync(cancellationToken);
            counts["processingRecords"] = records.Count;
            await WriteJsonAsync(zip, "processing-records.json", w => JsonSerializer.Serialize(w, records));
            await Step();

            var dpa = await db.DpaAcceptances.AsNoTracking().Where(d => d.UserId == userId).ToListAsync(cancellationToken);
            counts["dpaAcceptances"] = dpa.Count;
            await WriteJsonAsync(zip, "consents-and-dpa.json", w => JsonSerializer.Serialize(w, new
            {
                dpaAcceptances = dpa.Select(d => new { d.Version, d.AcceptedAt, d.IpHash, d.CompanyName, d.CompanyAddress, d.VatId }),
            }));
            await Step();

            var auditEntries = await db.AuditEntries.AsNoTracking().Where(a => a.SubjectId == userId).OrderBy(a => a.At).ToListAsync(cancellationToken);
            counts["auditEntries"] = auditEntries.Count;
            await WriteJsonAsync(zip, "audit.json", w => JsonSerializer.Serialize(w, auditEntries.Select(a => new { a.At, actor = a.ActorId == userId ? "you" : a.ActorId, a.Action, a.Details })));
            await WriteJsonAsync(zip, "retention.json", w => JsonSerializer.Serialize(w, new
            {
                chatRetentionDays = user.ChatRetentionDays,
                imageRetentionDays = user.ImageRetentionDays,
                processingRestricted = user.ProcessingRestricted,
                note = "null: kept until you delete it; 0 (chats): never stored",
            }));
            await Step();

            foreach (var contributor in services.GetServices<IExportContributor>())
            {
                foreach (var (key, value) in await contributor.WriteAsync(zip, userId, cancellationToken))
                {
                    counts[key] = value;
                }
            }
            await Step();

            var report = reportWriter.Write(user, counts, time.GetUtcNow());
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
    });

    private static Task WriteJsonAsync(ZipArchive zip, string name, Action<Utf8JsonWriter> write) => WriteJsonAsync(zip, name, w =>
    {
        write(w);
        return Task.CompletedTask;
    });

    private static async Task WriteJsonAsync(ZipArchive zip, string name, Func<Utf8JsonWriter, Task> write)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Fastest);
        await using var stream = await entry.OpenAsync();
        await using var writer = new Utf8JsonWriter(stream, JsonOptions);
        await write(writer);
        await writer.FlushAsync();
    }
}

/// <summary>Starts exports (one at a time per user) and serves their state.</summary>
public sealed class DataExportService(IDbContextFactory<AppDbContext> dbFactory, ExportQueue queue, AuditLog audit, IOptions<PrivacyOptions> options, TimeProvider time)
{
    // Check-then-insert must not interleave: a double click would start two exports (single node; see docs/gdpr.md).
    private readonly SemaphoreSlim requestLock = new(1, 1);

    /// <summary>Queues an export, or returns the one already queued or running.</summary>
    public async Task<DataExport> RequestAsync(string userId, CancellationToken cancellationToken = default)
    {
        await requestLock.WaitAsync(cancellationToken);
        try
        {
            return await RequestLockedAsync(userId, cancellationToken);
        }
        finally
        {
            requestLock.Release();
        }
    }

    private async Task<DataExport> RequestLockedAsync(string userId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var running = await db.DataExports.AsNoTracking()
            .FirstOrDefaultAsync(e => e.UserId == userId && (e.Status == ExportStatus.Queued || e.Status == ExportStatus.Running), cancellationToken);
        if (running is not null)
        {
            return running;
        }
        var now = time.GetUtcNow();
        var export = new DataExport { UserId = userId, Status = ExportStatus.Queued, CreatedAt = now, ExpiresAt = now.AddHours(options.Value.ExportLinkHours) };
        db.DataExports.Add(export);
        db.AuditEntries.Add(audit.Create(userId, userId, AuditActions.ExportRequested, $"export {export.Id}"));
        await db.SaveChangesAsync(cancellationToken);
        await queue.EnqueueAsync(export.Id, cancellationToken);
        return export;
    }

    public async Task<List<DataExport>> ListAsync(string userId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.DataExports.AsNoTracking().Where(e => e.UserId == userId).OrderByDescending(e => e.CreatedAt).Take(10).ToListAsync(cancellationToken);
    }

    /// <summary>The owner's completed, unexpired export, else null (which the endpoint answers with 404).</summary>
    public async Task<DataExport?> FindDownloadableAsync(string userId, Guid exportId, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = time.GetUtcNow();
        return await db.DataExports.AsNoTracking()
            .FirstOrDefaultAsync(e => e.Id == exportId && e.UserId == userId && e.Status == ExportStatus.Completed && e.ExpiresAt > now, cancellationToken);
    }
}

public sealed class ExportQueue
{
    private readonly Channel<Guid> channel = Channel.CreateUnbounded<Guid>();

    public ValueTask EnqueueAsync(Guid exportId, CancellationToken cancellationToken = default) => channel.Writer.WriteAsync(exportId, cancellationToken);

    public IAsyncEnumerable<Guid> ReadAllAsync(CancellationToken cancellationToken) => channel.Reader.ReadAllAsync(cancellationToken);
}

/// <summary>Why an export failed, as stored on the export; the Privacy Center shows each in the user's language.</summary>
public static class ExportErrors
{
    public const string Failed = "The export failed. Please try again.";
    public const string StorageFull = "The export could not be saved because the server is out of storage space. Please try again later.";
}

/// <summary>Runs queued exports in the background; re-queues exports a restart interrupted.</summary>
public sealed class ExportWorker(IDbContextFactory<AppDbContext> dbFactory, ExportQueue queue, PersonalDataExporter exporter, ExportFiles exportFiles, AuditLog audit, IOptions<PrivacyOptions> options, TimeProvider time, ILogger<ExportWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(stoppingToken);
            foreach (var id in await db.DataExports.Where(e => e.Status == ExportStatus.Queued || e.Status == ExportStatus.Running).Select(e => e.Id).ToListAsync(stoppingToken))
            {
                await queue.EnqueueAsync(id, stoppingToken);
            }
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogError(ex, "Interrupted exports could not be re-queued; they run after the next restart");
        }
        await foreach (var exportId in queue.ReadAllAsync(stoppingToken))
        {
            try
            {
                await RunAsync(exportId, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // One export that cannot even be marked (database unavailable) must not stop the worker or the host.
                logger.LogError(ex, "Export {ExportId} could not be run; it is re-queued at the next start", exportId);
            }
        }
    }

    internal async Task RunAsync(Guid exportId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var export = await db.DataExports.FirstOrDefaultAsync(e => e.Id == exportId, cancellationToken);
        if (export is null || export.Status is ExportStatus.Completed or ExportStatus.Failed)
        {
            return;
        }
        export.Status = ExportStatus.Running;
        export.Progress = 0;
        await db.SaveChangesAsync(cancellationToken);
        try
        {
            var size = await exporter.WriteAsync(export, async percent =>
            {
                if (percent != export.Progress)
                {
                    export.Progress = percent;
                    await db.SaveChangesAsync(cancellationToken);
                }
            }, cancellationToken);
            export.Status = ExportStatus.Completed;
            export.Progress = 100;
            export.ByteSize = size;
            export.CompletedAt = time.GetUtcNow();
            // The download window starts when the file exists, not when it was requested.
            export.ExpiresAt = export.CompletedAt.Value.AddHours(options.Value.ExportLinkHours);
            db.AuditEntries.Add(audit.Create(AuditActions.System, export.UserId, AuditActions.ExportCompleted, $"export {export.Id}, {size} bytes"));
            await db.SaveChangesAsync(cancellationToken);
            logger.LogInformation("Export {ExportId} finished ({Bytes} bytes)", export.Id, size);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            var storageFull = StorageFaults.IsStorageFull(ex);
            if (storageFull)
            {
                logger.LogError(ex, "Export {ExportId} failed: the data folder's disk is full", export.Id);
            }
            else
            {
                logger.LogError(ex, "Export {ExportId} failed", export.Id);
            }
            exportFiles.Delete(export.UserId, export.Id);
            export.Status = ExportStatus.Failed;
            export.Error = storageFull ? ExportErrors.StorageFull : ExportErrors.Failed;
            await db.SaveChangesAsync(CancellationToken.None);
        }
    }
}
