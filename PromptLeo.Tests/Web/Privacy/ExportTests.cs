using System.IO.Compression;
using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Tests.Web.Privacy;

public abstract class ExportTests<TPortal>(TPortal factory) : IClassFixture<TPortal>
    where TPortal : PortalFactory
{
    private async Task<DataExport> WaitForExportAsync(Guid exportId)
    {
        var db = factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            await using var context = await db.CreateDbContextAsync();
            var export = await context.DataExports.AsNoTracking().FirstAsync(e => e.Id == exportId);
            if (export.Status is ExportStatus.Completed or ExportStatus.Failed)
            {
                return export;
            }
            Assert.True(DateTime.UtcNow < deadline, "The export did not finish.");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task Export_ProducesZipWithEveryCategoryAndReport_DownloadableByOwnerOnly()
    {
        var owner = factory.CreateBrowserLikeClient();
        var user = await PrivacySeed.CreateAsync(factory, registerWith: owner);
        var exports = factory.Services.GetRequiredService<DataExportService>();

        var requested = await exports.RequestAsync(user.Id);
        var finished = await WaitForExportAsync(requested.Id);

        Assert.Equal(ExportStatus.Completed, finished.Status);
        Assert.Equal(100, finished.Progress);
        // The download window starts when the file exists, not when it was requested (a slow export keeps its 24 h).
        Assert.Equal(TimeSpan.FromHours(24), finished.ExpiresAt - finished.CompletedAt!.Value);

        // At rest the ZIP is encrypted: no ZIP signature, no cleartext.
        var onDisk = await File.ReadAllBytesAsync(factory.Services.GetRequiredService<ExportFiles>().PathFor(user.Id, finished.Id));
        Assert.False(onDisk.AsSpan(0, 2).SequenceEqual("PK"u8));
        Assert.True(onDisk.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(user.Email)) < 0);

        var response = await owner.GetAsync($"/privacy/exports/{finished.Id}/download");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/zip", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl is { Private: true, NoStore: true });
        using var zip = new ZipArchive(new MemoryStream(await response.Content.ReadAsByteArrayAsync()));
        var names = zip.Entries.Select(e => e.FullName).ToHashSet();
        foreach (var expected in new[] { "profile.json", "conversations.json", "presets.json", "images/index.json", "processing-records.json", "consents-and-dpa.json", "audit.json", "retention.json", "report.pdf" })
        {
            Assert.Contains(expected, names);
        }
        Assert.Contains($"images/{user.ImageId:N}.png", names);

        using var conversations = JsonDocument.Parse(zip.GetEntry("conversations.json")!.Open());
        var conversation = conversations.RootElement[0];
        Assert.Equal("Title " + user.Secret, conversation.GetProperty("title").GetString());
        Assert.Equal(user.Secret, conversation.GetProperty("messages")[0].GetProperty("content").GetString());
        using var profile = JsonDocument.Parse(zip.GetEntry("profile.json")!.Open());
        Assert.Equal(user.Email, profile.RootElement.GetProperty("Email").GetString());
        Assert.Equal(factory.Services.GetRequiredService<LegalDocuments>().PrivacyNoticeVersion, profile.RootElement.GetProperty("PrivacyNoticeVersion").GetString());
        using var images = JsonDocument.Parse(zip.GetEntry("images/index.json")!.Open());
        Assert.Equal(user.Secret, images.RootElement[0].GetProperty("parameters").GetProperty("prompt").GetString());
        using (var png = zip.GetEntry($"images/{user.ImageId:N}.png")!.Open())
        {
            var header = new byte[8];
            png.ReadExactly(header);
            Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, header);
        }

        using var reportStream = new MemoryStream();
        zip.GetEntry("report.pdf")!.Open().CopyTo(reportStream);
        var report = PdfArtifacts.Text(reportStream.ToArray());
        foreach (var section in new[] { "Purposes", "Categories", "Recipients", "None outside the operator", "Retention", "Rectification", "Erasure", "Restriction", "Complaint", "Hessische", "Source", "Automated" })
        {
            Assert.Contains(section, report);
        }
        PdfArtifacts.Save(reportStream.ToArray(), "art15-report");

        // Another user gets 404 for the same link; so does an unknown id.
        var other = factory.CreateBrowserLikeClient();
        await PortalSession.RegisterConfirmAndLoginAsync(factory, other, $"other-{Guid.NewGuid():N}@promptleo.test", PrivacySeed.Password);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/privacy/exports/{finished.Id}/download")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync($"/privacy/exports/{Guid.NewGuid()}/download")).StatusCode);

        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.True(await db.AuditEntries.AnyAsync(a => a.SubjectId == user.Id && a.Action == AuditActions.ExportDownloaded));
        Assert.True(await db.AuditEntries.AnyAsync(a => a.SubjectId == user.Id && a.Action == AuditActions.ExportRequested));
    }

    [Fact]
    public async Task Export_SecondRequestWhileRunning_ReturnsTheRunningOne()
    {
        var user = await PrivacySeed.CreateAsync(factory);
        await using (var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            // A running export (as the worker leaves it mid-way).
            db.DataExports.Add(new DataExport { UserId = user.Id, Status = ExportStatus.Running, Progress = 40, ExpiresAt = DateTimeOffset.UtcNow.AddHours(24) });
            await db.SaveChangesAsync();
        }
        var exports = factory.Services.GetRequiredService<DataExportService>();

        var first = await exports.RequestAsync(user.Id);
        var second = await exports.RequestAsync(user.Id);

        Assert.Equal(first.Id, second.Id);
        Assert.Equal(ExportStatus.Running, second.Status);
        Assert.Single(await exports.ListAsync(user.Id));
    }

    [Fact]
    public async Task Export_ExpiredLink_NotFoundAndPurged()
    {
        var owner = factory.CreateBrowserLikeClient();
        var user = await PrivacySeed.CreateAsync(factory, registerWith: owner);
        var exports = factory.Services.GetRequiredService<DataExportService>();
        var finished = await WaitForExportAsync((await exports.RequestAsync(user.Id)).Id);
        var path = factory.Services.GetRequiredService<ExportFiles>().PathFor(user.Id, finished.Id);
        Assert.True(File.Exists(path));

        var later = DateTimeOffset.UtcNow.AddHours(25);
        var counts = await factory.Services.GetRequiredService<RetentionPurger>().PurgeAsync(later);

        Assert.True(counts["exports"] >= 1);
        Assert.False(File.Exists(path));
        Assert.Equal(HttpStatusCode.NotFound, (await owner.GetAsync($"/privacy/exports/{finished.Id}/download")).StatusCode);
    }

    [Fact]
    public async Task Reauthenticate_WrongPassword_RefusedAndCounted()
    {
        var user = await PrivacySeed.CreateAsync(factory);
        var center = factory.Services.GetRequiredService<PrivacyCenter>();

        Assert.Equal(ReauthenticationResult.WrongPassword, await center.ReauthenticateAsync(user.Id, "wrong", null));
        Assert.Equal(ReauthenticationResult.Confirmed, await center.ReauthenticateAsync(user.Id, user.Password, null));
    }

    [Fact]
    public async Task Reauthenticate_TwoFactorEnabled_RequiresValidCode()
    {
        var user = await PrivacySeed.CreateAsync(factory);
        string key;
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<ApplicationUser>>();
            var account = (await users.FindByIdAsync(user.Id))!;
            await users.ResetAuthenticatorKeyAsync(account);
            key = (await users.GetAuthenticatorKeyAsync(account))!;
            await users.SetTwoFactorEnabledAsync(account, true);
        }
        var center = factory.Services.GetRequiredService<PrivacyCenter>();

        Assert.Equal(ReauthenticationResult.TwoFactorCodeRequired, await center.ReauthenticateAsync(user.Id, user.Password, null));
        Assert.Equal(ReauthenticationResult.WrongTwoFactorCode, await center.ReauthenticateAsync(user.Id, user.Password, "000000" == Totp.Code(key) ? "111111" : "000000"));
        Assert.Equal(ReauthenticationResult.Confirmed, await center.ReauthenticateAsync(user.Id, user.Password, Totp.Code(key)));
    }
}

public sealed class ExportTests(PortalFactory factory) : ExportTests<PortalFactory>(factory);

/// <summary>The same tests on PostgreSQL.</summary>
public sealed class ExportPostgresTests(PostgresPortal factory) : ExportTests<PostgresPortal>(factory);
