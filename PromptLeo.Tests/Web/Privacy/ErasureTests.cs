using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Privacy;

namespace PromptLeo.Tests.Web.Privacy;

public abstract class ErasureTests<TPortal>(TPortal factory) : IClassFixture<TPortal>
    where TPortal : PortalFactory
{
    private static Task<HttpResponseMessage> SubmitEraseAsync(HttpClient client, string password, bool confirm = true) =>
        FormPost.SubmitAsync(client, "/privacy/erase", "erase-account", new Dictionary<string, string>
        {
            ["Input.Password"] = password,
            ["Input.Confirm"] = confirm ? "true" : "false",
        });

    private async Task<HttpClient> LoginAsync(SeededUser user)
    {
        var client = factory.CreateBrowserLikeClient();
        var login = await PortalSession.LoginAsync(client, user.Email, user.Password);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.DoesNotContain("Login", login.Headers.Location?.ToString() ?? "");
        return client;
    }

    [Fact]
    public async Task Erase_WrongPassword_ShowsMessageAndDeletesNothing()
    {
        var user = await PrivacySeed.CreateAsync(factory);
        var client = await LoginAsync(user);

        var response = await SubmitEraseAsync(client, "not-my-password");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Wrong password. Nothing was deleted.", await response.Content.ReadAsStringAsync());
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.True(await db.Users.AnyAsync(u => u.Id == user.Id));
        Assert.Equal(2, await db.ConversationMessages.CountAsync(m => m.ConversationId == user.ConversationId));
        Assert.False(await db.ErasureJobs.AnyAsync(j => j.UserId == user.Id));
    }

    [Fact]
    public async Task Erase_WithoutConfirmation_DeletesNothing()
    {
        var user = await PrivacySeed.CreateAsync(factory);
        var client = await LoginAsync(user);

        var response = await SubmitEraseAsync(client, user.Password, confirm: false);

        Assert.Contains("Please tick the box to confirm.", await response.Content.ReadAsStringAsync());
        await using var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync();
        Assert.True(await db.Users.AnyAsync(u => u.Id == user.Id));
    }

    [Fact]
    public async Task Erase_Confirmed_RemovesEverythingLeavesNoTraceAndIssuesCertificate()
    {
        var client = factory.CreateBrowserLikeClient();
        var user = await PrivacySeed.CreateAsync(factory, registerWith: client);
        Assert.NotEmpty(Directory.GetFiles(factory.MailDirectory, "*.eml"));
        var secondSession = await LoginAsync(user);
        var cipher = factory.Services.GetRequiredService<UserContentCipher>();
        await using (var before = await factory.Services.GetRequiredService<IDbContextFactory<DataKeyDbContext>>().CreateDbContextAsync())
        {
            Assert.Equal(1, await before.UserDataKeys.CountAsync(k => k.UserId == user.Id));
        }
        byte[] backupCopy;
        await using (var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            backupCopy = (await db.ConversationMessages.FirstAsync(m => m.ConversationId == user.ConversationId)).ContentCipher;
        }

        var response = await SubmitEraseAsync(client, user.Password);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        var erasedUrl = location.IsAbsoluteUri ? location.PathAndQuery : location.ToString();
        Assert.StartsWith("/privacy/erased/", erasedUrl);
        var erasedPage = await client.GetAsync(erasedUrl);
        var html = await erasedPage.Content.ReadAsStringAsync();
        var certificateUrl = System.Text.RegularExpressions.Regex.Match(html, "href=\"(/privacy/erasure/[^\"]+)\"").Groups[1].Value.Replace("&amp;", "&");
        var certificate = await client.GetAsync(certificateUrl);
        Assert.Equal(HttpStatusCode.OK, certificate.StatusCode);
        Assert.True(certificate.Headers.CacheControl is { Private: true, NoStore: true });
        var pdf = await certificate.Content.ReadAsByteArrayAsync();
        var text = PdfArtifacts.Text(pdf);
        Assert.Contains("Deletion certificate", text);
        Assert.Contains("Conversations", text);
        Assert.Contains("Retained", text);
        Assert.Contains("erased-", text);
        Assert.DoesNotContain(user.Email, text);
        PdfArtifacts.Save(pdf, "deletion-certificate");
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(certificateUrl.Split("?")[0] + "?token=wrong")).StatusCode);

        // The other session is signed out, and the password no longer works.
        Assert.Equal(HttpStatusCode.Redirect, (await secondSession.GetAsync("/Account/Manage")).StatusCode);
        var relogin = await PortalSession.LoginAsync(factory.CreateBrowserLikeClient(), user.Email, user.Password);
        Assert.Equal(HttpStatusCode.OK, relogin.StatusCode);

        // Crypto-shredding: a backup copy of the ciphertext cannot be decrypted any more.
        await Assert.ThrowsAsync<ContentUnavailableException>(async () => await cipher.DecryptStringAsync(user.Id, ContentPurpose.Message, backupCopy));

        await using (var db = await factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>().CreateDbContextAsync())
        {
            Assert.False(await db.Users.AnyAsync(u => u.Id == user.Id));
            Assert.False(await db.Conversations.AnyAsync(c => c.UserId == user.Id));
            Assert.False(await db.GeneratedImages.AnyAsync(i => i.UserId == user.Id));
            Assert.False(await db.ChatPresets.AnyAsync(p => p.UserId == user.Id));
            Assert.False(await db.ProcessingRecords.AnyAsync(r => r.SubjectId == user.Id));
            Assert.True(await db.ProcessingRecords.AnyAsync(r => r.SubjectId.StartsWith("erased-")));
            Assert.True(await db.AuditEntries.AnyAsync(a => a.Action == AuditActions.ErasureCompleted));
        }
        Assert.False(Directory.Exists(Path.Combine(factory.DataDirectory, "files", user.Id)));
        await using (var keys = await factory.Services.GetRequiredService<IDbContextFactory<DataKeyDbContext>>().CreateDbContextAsync())
        {
            Assert.False(await keys.UserDataKeys.AnyAsync(k => k.UserId == user.Id));
        }

        // Leak test: the database file, its WAL and every file in the data folder.
        DataFolderScan.AssertAbsent(factory.DataDirectory, user.Email, user.DisplayName, user.Secret, user.Email.ToUpperInvariant());

        // The address is free for a new registration.
        var again = factory.CreateBrowserLikeClient();
        var registered = await PortalSession.RegisterAsync(again, user.Email, "Another-Passw0rd!");
        Assert.Equal(HttpStatusCode.Redirect, registered.StatusCode);
    }

    [Fact]
    public async Task Certificate_AnonymousWithoutToken_NotFound()
    {
        var client = factory.CreateBrowserLikeClient();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/privacy/erasure/{Guid.NewGuid()}/certificate")).StatusCode);
    }

}

public sealed class ErasureTests(PortalFactory factory) : ErasureTests<PortalFactory>(factory);

/// <summary>The same tests on PostgreSQL.</summary>
public sealed class ErasurePostgresTests(PostgresPortal factory) : ErasureTests<PostgresPortal>(factory);

public class InterruptedErasureTests
{
    /// <summary>Waits for the resume service to delete the account row; returns a context for further checks.</summary>
    private static async Task<AppDbContext> WaitUntilGoneAsync(PortalFactory portal, string userId)
    {
        var db = portal.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var context = await db.CreateDbContextAsync();
            if (!await context.Users.AnyAsync(u => u.Id == userId))
            {
                return context;
            }
            await context.DisposeAsync();
            Assert.True(DateTime.UtcNow < deadline, "The interrupted erasure was not resumed at start-up.");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Erasure_InterruptedAfterLock_CannotLogInAndCompletesAtNextStart()
    {
        SeededUser user;
        string dataDirectory;
        using (var first = new PortalFactory { KeepDataOnDispose = true })
        {
            dataDirectory = first.DataDirectory;
            user = await PrivacySeed.CreateAsync(first);
            var eraser = first.Services.GetRequiredService<AccountEraser>();
            // Simulate a crash right after stage 1: the job exists, nothing is deleted yet.
            var job = await eraser.BeginAsync(user.Id, user.Id, CancellationToken.None);
            Assert.Equal(ErasureStage.Locked, job.Stage);

            var login = await PortalSession.LoginAsync(first.CreateBrowserLikeClient(), user.Email, user.Password);
            Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
            Assert.Contains("Lockout", login.Headers.Location!.ToString());
            await Assert.ThrowsAsync<ProcessingRestrictedException>(() => first.Services.GetRequiredService<InferenceAccessGuard>().EnsureAllowedAsync(user.Id));
        }

        using var restarted = new ExistingDataPortal(dataDirectory);
        await using (var context = await WaitUntilGoneAsync(restarted, user.Id))
        {
            Assert.True(await context.ErasureJobs.AllAsync(j => j.Stage == ErasureStage.Completed));
            Assert.False(await context.Conversations.AnyAsync(c => c.UserId == user.Id));
        }
        await using (var keys = await restarted.Services.GetRequiredService<IDbContextFactory<DataKeyDbContext>>().CreateDbContextAsync())
        {
            Assert.False(await keys.UserDataKeys.AnyAsync(k => k.UserId == user.Id));
        }
        Assert.False(Directory.Exists(Path.Combine(dataDirectory, "files", user.Id)));

        // Nobody waits at the confirmation page after a restart: the certificate went out by mail.
        var mail = await MailPickup.WaitForMailToAsync(restarted.MailDirectory, user.Email);
        var attachment = Assert.Single(mail.Attachments.OfType<MimeKit.MimePart>());
        Assert.Equal("loeschprotokoll.pdf", attachment.FileName);
    }

    [Fact]
    public async Task Cipher_DuringErasure_RefusesToCreateANewKey()
    {
        using var portal = new PortalFactory();
        var user = await PrivacySeed.CreateAsync(portal);
        var eraser = portal.Services.GetRequiredService<AccountEraser>();
        var job = await eraser.BeginAsync(user.Id, user.Id, CancellationToken.None);
        await eraser.EraseContentAsync(job, CancellationToken.None);

        // A request that was still running writes after the key was shredded: it must fail, not mint a new key.
        var cipher = portal.Services.GetRequiredService<UserContentCipher>();
        await Assert.ThrowsAsync<ContentUnavailableException>(async () => await cipher.EncryptStringAsync(user.Id, ContentPurpose.Message, "late write"));
    }

    [Fact]
    public async Task Erasure_InterruptedAfterContent_AccountStaysLockedAndCompletesAtNextStart()
    {
        SeededUser user;
        string dataDirectory;
        using (var first = new PortalFactory { KeepDataOnDispose = true })
        {
            dataDirectory = first.DataDirectory;
            user = await PrivacySeed.CreateAsync(first);
            var eraser = first.Services.GetRequiredService<AccountEraser>();
            var job = await eraser.BeginAsync(user.Id, user.Id, CancellationToken.None);
            await eraser.EraseContentAsync(job, CancellationToken.None);

            var login = await PortalSession.LoginAsync(first.CreateBrowserLikeClient(), user.Email, user.Password);
            Assert.Contains("Lockout", login.Headers.Location!.ToString());
        }

        using var restarted = new ExistingDataPortal(dataDirectory);
        await (await WaitUntilGoneAsync(restarted, user.Id)).DisposeAsync();
    }
}
