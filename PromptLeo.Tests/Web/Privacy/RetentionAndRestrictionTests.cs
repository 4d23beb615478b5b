using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using PromptLeo.Tests.Fixtures;
using PromptLeo.Web.Data;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.Records;

namespace PromptLeo.Tests.Web.Privacy;

public class RetentionAndRestrictionTests(PortalFactory factory) : IClassFixture<PortalFactory>
{
    private IDbContextFactory<AppDbContext> Db => factory.Services.GetRequiredService<IDbContextFactory<AppDbContext>>();

    [Fact]
    public async Task Purge_DeletesExpiredChatsAndImages_KeepsFreshOnes_AuditsCountsOnly()
    {
        var user = await PrivacySeed.CreateAsync(factory);
        var keeper = await PrivacySeed.CreateAsync(factory);
        var center = factory.Services.GetRequiredService<PrivacyCenter>();
        await center.SetRetentionAsync(user.Id, chatDays: 7, imageDays: 7);
        var now = DateTimeOffset.UtcNow;

        var counts = await factory.Services.GetRequiredService<RetentionPurger>().PurgeAsync(now.AddDays(8));

        Assert.True(counts["conversations"] >= 1);
        Assert.True(counts["images"] >= 1);
        await using var db = await Db.CreateDbContextAsync();
        Assert.False(await db.Conversations.AnyAsync(c => c.UserId == user.Id));
        Assert.False(await db.ConversationMessages.AnyAsync(m => m.ConversationId == user.ConversationId));
        Assert.False(await db.GeneratedImages.AnyAsync(i => i.UserId == user.Id));
        Assert.Empty(Directory.GetFiles(Path.Combine(factory.DataDirectory, "files", user.Id)));
        // The other user keeps everything (no retention set: until deleted).
        Assert.True(await db.Conversations.AnyAsync(c => c.UserId == keeper.Id));
        Assert.True(await db.GeneratedImages.AnyAsync(i => i.UserId == keeper.Id));
        var audit = await db.AuditEntries.Where(a => a.Action == AuditActions.RetentionPurged).OrderByDescending(a => a.Id).FirstAsync();
        Assert.Contains("conversations=", audit.Details);
        Assert.DoesNotContain(user.Secret, audit.Details);
    }

    [Fact]
    public async Task Purge_RemovesProcessingRecordsPastRetention()
    {
        var writer = factory.Services.GetRequiredService<ProcessingRecordWriter>();
        var record = writer.Create(ProcessingRecordWriter.NewRequestId(), "someone", ProcessingPurpose.Chat, "demo-chat", "api");
        await using (var db = await Db.CreateDbContextAsync())
        {
            db.ProcessingRecords.Add(record);
            await db.SaveChangesAsync();
        }

        await factory.Services.GetRequiredService<RetentionPurger>().PurgeAsync(record.RetentionUntil.AddDays(1));

        await using var check = await Db.CreateDbContextAsync();
        Assert.False(await check.ProcessingRecords.AnyAsync(r => r.RequestId == record.RequestId));
    }

    [Fact]
    public async Task ZeroRetention_MarksAccountAsNotStoringChats()
    {
        var user = await PrivacySeed.CreateAsync(factory);
        var center = factory.Services.GetRequiredService<PrivacyCenter>();

        await center.SetRetentionAsync(user.Id, chatDays: 0, imageDays: null);

        var account = await factory.Services.GetRequiredService<InferenceAccessGuard>().EnsureAllowedAsync(user.Id);
        Assert.False(account.StoresChats);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => center.SetRetentionAsync(user.Id, chatDays: -5, imageDays: null));
    }

    [Fact]
    public async Task Restriction_BlocksInferenceUntilLifted_DataKept()
    {
        var user = await PrivacySeed.CreateAsync(factory);
        var center = factory.Services.GetRequiredService<PrivacyCenter>();
        var guard = factory.Services.GetRequiredService<InferenceAccessGuard>();

        await center.SetRestrictionAsync(user.Id, true);
        var ex = await Assert.ThrowsAsync<ProcessingRestrictedException>(() => guard.EnsureAllowedAsync(user.Id));
        Assert.Contains("Art. 18", ex.Message);
        await using (var db = await Db.CreateDbContextAsync())
        {
            Assert.True(await db.Conversations.AnyAsync(c => c.UserId == user.Id));
        }

        await center.SetRestrictionAsync(user.Id, false);
        Assert.True((await guard.EnsureAllowedAsync(user.Id)).StoresChats);
    }

    [Fact]
    public async Task AuditLog_UserSeesOwnEntries_FilterAndPaging()
    {
        var user = await PrivacySeed.CreateAsync(factory);
        var other = await PrivacySeed.CreateAsync(factory);
        var audit = factory.Services.GetRequiredService<AuditLog>();
        for (var i = 0; i < 30; i++)
        {
            await audit.WriteAsync(user.Id, user.Id, AuditActions.RetentionChanged, $"change {i}");
        }
        await audit.WriteAsync(other.Id, other.Id, AuditActions.RetentionChanged, "other");

        var first = await audit.QueryAsync(new AuditQuery(user.Id, "retention.", Page: 0, PageSize: 25));
        var second = await audit.QueryAsync(new AuditQuery(user.Id, "retention.", Page: 1, PageSize: 25));

        Assert.Equal(30, first.Total);
        Assert.Equal(25, first.Items.Count);
        Assert.Equal(5, second.Items.Count);
        Assert.All(first.Items.Concat(second.Items), a => Assert.Equal(user.Id, a.SubjectId));
        Assert.Equal("change 29", first.Items[0].Details);
        var all = await audit.QueryAsync(new AuditQuery(null, "retention."));
        Assert.True(all.Total >= 31);
    }
}

public class RetentionDefaultsPortal : PortalFactory
{
    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Privacy:DefaultChatRetentionDays"] = "30",
        ["Privacy:DefaultImageRetentionDays"] = "90",
        ["Privacy:DefaultDocumentRetentionDays"] = "365",
    };
}

public class RetentionDefaultsTests(RetentionDefaultsPortal factory) : IClassFixture<RetentionDefaultsPortal>
{
    [Fact]
    public async Task NewAccount_GetsAdminDefaultRetention()
    {
        var user = await PrivacySeed.CreateAsync(factory, registerWith: factory.CreateBrowserLikeClient());

        var account = await factory.Services.GetRequiredService<PrivacyCenter>().GetUserAsync(user.Id);

        Assert.Equal(30, account!.ChatRetentionDays);
        Assert.Equal(90, account.ImageRetentionDays);
        Assert.Equal(365, account.DocumentRetentionDays);
    }
}
