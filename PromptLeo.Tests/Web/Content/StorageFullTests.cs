using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PromptLeo.Inference.Diffusion;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Images;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.Storage;
using PromptLeo.Web.Resources;

namespace PromptLeo.Tests.Web.Content;

/// <summary>The portal on a data folder whose disk (files and database) can be made to fill up.</summary>
public sealed class StorageFaultPortal : ApiPortalFactory
{
    public FillingDiskFileWriter Disk { get; } = new();

    public FullDatabaseInterceptor Database { get; } = new();

    public CapturingLoggerProvider Logs { get; } = new();

    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>(base.ExtraSettings)
    {
        ["Inference:Device"] = "Cpu",
        ["Billing:IssueInvoicesAutomatically"] = "false",
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<DataFileWriter>(Disk);
            services.AddSingleton<IInterceptor>(Database);
            services.AddSingleton<IInterceptor>(new FullDatabaseInterceptor.CommandFailure(Database));
        });
    }

    public async Task<AppDbContext> DbAsync() => await Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();

    /// <summary>Every file (temporary ones included) under the user's image and export folders.</summary>
    public string[] FilesOf(string userId)
    {
        var paths = Services.GetRequiredService<DataPaths>();
        return new[] { DataPaths.UserFolder(paths.Files, userId), DataPaths.UserFolder(paths.Exports, userId) }
            .Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories))
            .Order(StringComparer.Ordinal)
            .ToArray();
    }
}

/// <summary>Disk full while saving an image, an export or an invoice, and under /v1: a clear error, no partial files, no charge.</summary>
public sealed class StorageFullTests(StorageFaultPortal portal) : IClassFixture<StorageFaultPortal>
{
    private static StudioRequest Picture(int count) => new()
    {
        ModelId = ApiPortalFactory.ImageModel, Prompt = "a lighthouse at night", Width = 64, Height = 64, Steps = 2, Seed = 3, BatchCount = count,
    };

    [Fact]
    public async Task GenerateAsync_DiskFillsWhileSavingSecondImage_ClearMessageNoFilesNoChargeThenWorksAgain()
    {
        var userId = await portal.CreateUserAsync();
        var studio = portal.Services.GetRequiredService<ImageStudioService>();
        await studio.GenerateAsync(userId, Picture(1));
        var before = portal.FilesOf(userId);
        var oneFile = new FileInfo(Assert.Single(before)).Length;
        await using (var db = await portal.DbAsync())
            Assert.Equal(1, await db.UsageEvents.CountAsync(u => u.UserId == userId));

        // Room for one more image and half of the next: the first is written, the second fails part-way.
        portal.Disk.FreeBytes = oneFile + oneFile / 2;
        StorageFullException error;
        try
        {
            error = await Assert.ThrowsAsync<StorageFullException>(() => studio.GenerateAsync(userId, Picture(2)));
        }
        finally
        {
            portal.Disk.FreeBytes = null;
        }

        Assert.Equal(1, portal.Disk.Failures);
        Assert.Equal(before, portal.FilesOf(userId));
        await using (var db = await portal.DbAsync())
        {
            Assert.Equal(1, await db.GeneratedImages.CountAsync(i => i.UserId == userId));
            Assert.Equal(1, await db.UsageEvents.CountAsync(u => u.UserId == userId));
        }
        Assert.Equal(
            "The image could not be saved because the server is out of storage space. Nothing was charged; please try again later.",
            Describe(error, "en"));
        Assert.Equal(
            "Das Bild konnte nicht gespeichert werden, weil der Speicherplatz des Servers erschöpft ist. Es wurde nichts berechnet; bitte versuchen Sie es später erneut.",
            Describe(error, "de"));

        var again = await studio.GenerateAsync(userId, Picture(1));
        Assert.Single(again.Images);
        Assert.Equal(2, portal.FilesOf(userId).Length);
    }

    [Fact]
    public async Task GenerateAsync_DatabaseFullAfterFilesWritten_RemovesTheFilesAndChargesNothing()
    {
        var userId = await portal.CreateUserAsync();
        var studio = portal.Services.GetRequiredService<ImageStudioService>();

        portal.Database.FailCommandsContaining = "INSERT INTO \"UsageEvents\"";
        Exception error;
        try
        {
            error = await Assert.ThrowsAnyAsync<Exception>(() => studio.GenerateAsync(userId, Picture(2)));
        }
        finally
        {
            portal.Database.FailCommandsContaining = null;
        }

        Assert.True(StorageFaults.IsStorageFull(error), error.ToString());
        Assert.Empty(portal.FilesOf(userId));
        await using var db = await portal.DbAsync();
        Assert.Equal(0, await db.GeneratedImages.CountAsync(i => i.UserId == userId));
        Assert.Equal(0, await db.UsageEvents.CountAsync(u => u.UserId == userId));
        Assert.StartsWith("The image could not be saved because the server is out of storage space.", Describe(error, "en"));
    }

    [Fact]
    public async Task Export_DiskFillsWhileWriting_FailsWithStorageMessageAndLeavesNoFile()
    {
        var email = $"export-{Guid.NewGuid():N}@promptleo.test";
        var userId = await portal.CreateUserAsync(email);
        await portal.Services.GetRequiredService<ImageStudioService>().GenerateAsync(userId, Picture(1));
        var imageFiles = portal.FilesOf(userId);
        var exports = portal.Services.GetRequiredService<DataExportService>();

        portal.Disk.FreeBytes = 4096;
        DataExport failed;
        try
        {
            failed = await FinishedAsync(exports, userId, (await exports.RequestAsync(userId)).Id);
        }
        finally
        {
            portal.Disk.FreeBytes = null;
        }

        Assert.Equal(ExportStatus.Failed, failed.Status);
        Assert.Equal(ExportErrors.StorageFull, failed.Error);
        Assert.Equal(imageFiles, portal.FilesOf(userId));
        Assert.Contains(portal.Logs.Lines, l => l.StartsWith("Error ", StringComparison.Ordinal) && l.Contains($"Export {failed.Id} failed: the data folder's disk is full"));
        var browser = portal.CreateBrowserLikeClient();
        await PortalSession.LoginAsync(browser, email, ApiPortalFactory.UserPassword);
        Assert.Contains("The export could not be saved because the server is out of storage space. Please try again later.",
            System.Net.WebUtility.HtmlDecode(await browser.GetStringAsync("/privacy")));

        var completed = await FinishedAsync(exports, userId, (await exports.RequestAsync(userId)).Id);
        Assert.Equal(ExportStatus.Completed, completed.Status);
        Assert.Equal(imageFiles.Length + 1, portal.FilesOf(userId).Length);
    }

    [Fact]
    public async Task IssueAsync_DatabaseFull_NoInvoiceAndNoNumberUsed()
    {
        var userId = await portal.CreateUserAsync();
        var lastMonth = UsageLedger.MonthStart(DateTimeOffset.UtcNow).AddMonths(-1);
        long sequenceBefore;
        await using (var db = await portal.DbAsync())
        {
            db.UsageEvents.Add(new UsageEvent { OrganizationId = await portal.Services.GetRequiredService<PromptLeo.Web.Features.Organizations.OrganizationDirectory>().PersonalIdAsync(userId), UserId = userId, ModelId = ApiPortalFactory.ChatModel, Kind = "chat", OutputTokens = 1000, AmountMicros = 4_200_000, RequestId = "req_full", At = lastMonth.AddDays(3) });
            await db.SaveChangesAsync();
            sequenceBefore = await db.InvoiceCounters.Select(c => (long?)c.LastSequence).FirstOrDefaultAsync() ?? 0;
        }
        var issuer = portal.Services.GetRequiredService<InvoiceIssuer>();

        // Real SQLITE_FULL: the database may not grow by a single page, and the invoice PDF needs several.
        portal.Database.Full = true;
        try
        {
            await Assert.ThrowsAsync<StorageFullException>(() => issuer.IssueAsync(userId, lastMonth));
        }
        finally
        {
            portal.Database.Full = false;
        }

        await using (var db = await portal.DbAsync())
        {
            Assert.Equal(0, await db.Invoices.CountAsync(i => i.UserId == userId));
            Assert.Equal(sequenceBefore, await db.InvoiceCounters.Select(c => (long?)c.LastSequence).FirstOrDefaultAsync() ?? 0);
        }
        var invoice = await issuer.IssueAsync(userId, lastMonth);
        Assert.NotNull(invoice);
        Assert.Equal(sequenceBefore + 1, invoice.Sequence);
    }

    [Fact]
    public async Task ChatCompletions_DatabaseFullWhenCharging_Answers507AndChargesNothing()
    {
        var (client, userId, _) = await portal.CreateApiClientAsync();
        var body = new { model = ApiPortalFactory.ChatModel, max_tokens = 4, messages = new[] { new { role = "user", content = "hello" } } };

        portal.Database.FailCommandsContaining = "INSERT INTO \"UsageEvents\"";
        HttpResponseMessage response;
        try
        {
            response = await client.PostAsJsonAsync("/v1/chat/completions", body);
        }
        finally
        {
            portal.Database.FailCommandsContaining = null;
        }

        Assert.Equal(HttpStatusCode.InsufficientStorage, response.StatusCode);
        Assert.Equal("60", response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(CultureInfo.InvariantCulture));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("error");
        Assert.Equal("insufficient_storage", error.GetProperty("code").GetString());
        Assert.Equal("server_error", error.GetProperty("type").GetString());
        Assert.Contains("out of storage space", error.GetProperty("message").GetString());
        Assert.Empty(await portal.UsageEventsAsync(userId));
        Assert.Contains(portal.Logs.Lines, l => l.StartsWith("Error PromptLeo.Api:", StringComparison.Ordinal) && l.Contains("the data folder's disk is full"));

        var ok = await client.PostAsJsonAsync("/v1/chat/completions", body);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Single(await portal.UsageEventsAsync(userId));
    }

    [Fact]
    public async Task ChatCompletions_StreamingWhenDatabaseFull_ErrorEventAndNoCharge()
    {
        var (client, userId, _) = await portal.CreateApiClientAsync();
        var body = new { model = ApiPortalFactory.ChatModel, max_tokens = 4, stream = true, messages = new[] { new { role = "user", content = "hello" } } };

        portal.Database.FailCommandsContaining = "INSERT INTO \"UsageEvents\"";
        string events;
        try
        {
            var response = await client.PostAsJsonAsync("/v1/chat/completions", body);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            events = await response.Content.ReadAsStringAsync();
        }
        finally
        {
            portal.Database.FailCommandsContaining = null;
        }

        // The tokens were already on their way; the failure arrives as an OpenAI error event instead of [DONE].
        var last = events.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)[^1];
        using var error = JsonDocument.Parse(last["data: ".Length..]);
        Assert.Equal("insufficient_storage", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.DoesNotContain("[DONE]", events);
        Assert.Empty(await portal.UsageEventsAsync(userId));
    }

    private string Describe(Exception error, string culture)
    {
        var previous = CultureInfo.CurrentUICulture;
        CultureInfo.CurrentUICulture = new CultureInfo(culture);
        try
        {
            var localizer = portal.Services.GetRequiredService<IStringLocalizer<ImagesResource>>();
            return StudioErrorMessages.Describe(error, localizer, portal.Services.GetRequiredService<IOptions<ImagesOptions>>().Value,
                portal.Services.GetRequiredService<IOptions<DiffusionOptions>>().Value)!.Value;
        }
        finally
        {
            CultureInfo.CurrentUICulture = previous;
        }
    }

    private static async Task<DataExport> FinishedAsync(DataExportService exports, string userId, Guid exportId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var export = (await exports.ListAsync(userId)).Single(e => e.Id == exportId);
            if (export.Status is ExportStatus.Completed or ExportStatus.Failed)
                return export;
            await Task.Delay(100);
        }
        throw new TimeoutException($"Export {exportId} did not finish within 60 s.");
    }
}

public sealed class StorageFaultsTests
{
    [Fact]
    public void IsStorageFull_RealEnospcFromDevFull_IsRecognised()
    {
        // Linux's /dev/full answers every write with ENOSPC: the real exception .NET throws on a full disk.
        var error = Assert.ThrowsAny<IOException>(() =>
        {
            using var full = new FileStream("/dev/full", FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
            full.Write(new byte[16]);
        });

        Assert.True(StorageFaults.IsStorageFull(error), $"{error.GetType().Name} HResult {error.HResult}: {error.Message}");
        Assert.Equal(FillingDiskFileWriter.DiskFull().HResult, error.HResult);
        Assert.False(StorageFaults.IsStorageFull(new IOException("Permission denied", 13)));
    }

    [Fact]
    public void IsStorageFull_PostgresDiskFull_IsRecognised()
    {
        // The server raises SQLSTATE 53100 (disk_full) as it does when it cannot extend a file.
        var full = Assert.ThrowsAny<Npgsql.PostgresException>(() =>
            PostgresServer.Execute("DO $$ BEGIN RAISE EXCEPTION 'could not extend file' USING ERRCODE = 'disk_full'; END $$"));
        var other = Assert.ThrowsAny<Npgsql.PostgresException>(() => PostgresServer.Execute("SELECT 1/0"));

        Assert.True(StorageFaults.IsStorageFull(new Microsoft.EntityFrameworkCore.DbUpdateException("save failed", full)));
        Assert.False(StorageFaults.IsStorageFull(other));
    }
}
