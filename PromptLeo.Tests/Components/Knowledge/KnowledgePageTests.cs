using System.Security.Claims;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MudBlazor.Services;
using PromptLeo.Web.Features.Knowledge;

namespace PromptLeo.Tests.Components.Knowledge;

/// <summary>
/// The knowledge page's live status: a document's progress, then its end state, arrive through
/// <see cref="IKnowledgeService.DocumentChanged"/> without a reload, and only the signed-in user's events count.
/// The service here is a small in-memory one, since the page (not storage) is under test.
/// </summary>
public sealed class KnowledgePageTests : BunitContext, IAsyncLifetime
{
    private const string UserId = "knowledge-user";
    private readonly ListedKnowledge knowledge = new();

    public KnowledgePageTests()
    {
        Services.AddMudServices();
        Services.AddLocalization();
        Services.AddLogging();
        Services.AddSingleton<IKnowledgeService>(knowledge);
        Services.AddSingleton(Options.Create(new KnowledgeOptions()));
        JSInterop.Mode = JSRuntimeMode.Loose;
        AddAuthorization().SetAuthorized("user@example.de").SetClaims(new Claim(ClaimTypes.NameIdentifier, UserId));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync() => await base.DisposeAsync();

    [Fact]
    public void DocumentChanged_ProgressThenReady_UpdatesTheCardLive()
    {
        var document = knowledge.Add("handbook.pdf", KnowledgeDocumentStatus.Processing, 40);
        var cut = Render<KnowledgePage>();

        var card = cut.Find(".pl-knowledge-document[data-file='handbook.pdf']");
        Assert.Equal("processing", card.GetAttribute("data-status"));
        Assert.Equal("Processing", cut.Find(".pl-knowledge-status").TextContent.Trim());
        Assert.Equal("40", Progress(cut));

        knowledge.Raise(UserId, document with { Progress = 75 });
        cut.WaitForAssertion(() => Assert.Equal("75", Progress(cut)));

        knowledge.Raise(UserId, document with { Status = KnowledgeDocumentStatus.Ready, Progress = 100, PageCount = 12, ChunkCount = 1 });
        cut.WaitForAssertion(() => Assert.Equal("ready", cut.Find(".pl-knowledge-document").GetAttribute("data-status")));
        Assert.Empty(cut.FindAll(".pl-knowledge-progress"));
        Assert.Equal("12 pages", cut.Find(".pl-knowledge-pages").TextContent);
        Assert.Equal("1 passage", cut.Find(".pl-knowledge-chunks").TextContent);
    }

    private static string? Progress(IRenderedComponent<KnowledgePage> cut) =>
        cut.Find(".pl-knowledge-progress[role=progressbar], .pl-knowledge-progress [role=progressbar]").GetAttribute("aria-valuenow");

    [Theory]
    [InlineData("en", null, true, "Uploaded documents are stored encrypted until you delete them.")]
    [InlineData("en", 30, false, "Your chats are not stored (zero retention), but documents are: you upload them to keep them. Uploaded documents are stored encrypted and deleted with their passages 30 days after upload, or earlier when you delete them.")]
    [InlineData("de", null, false, "Ihre Chats werden nicht gespeichert (keine Aufbewahrung), Dokumente aber schon: Sie laden sie hoch, um sie aufzubewahren. Hochgeladene Dokumente werden verschlüsselt gespeichert, bis Sie sie löschen.")]
    [InlineData("de", 30, true, "Hochgeladene Dokumente werden verschlüsselt gespeichert und 30 Tage nach dem Hochladen mit ihren Passagen gelöscht, oder früher, wenn Sie sie löschen.")]
    public void UploadArea_SaysHowLongDocumentsAreStored_EvenWhenChatsAreNot(string language, int? documentDays, bool chatsStored, string expected)
    {
        knowledge.Add("handbook.pdf", KnowledgeDocumentStatus.Ready, 100);
        knowledge.Storage = new KnowledgeStorage(documentDays, chatsStored);
        var previous = System.Globalization.CultureInfo.CurrentUICulture;
        System.Globalization.CultureInfo.CurrentUICulture = new System.Globalization.CultureInfo(language);
        try
        {
            var cut = Render<KnowledgePage>();

            var note = cut.Find("#knowledge-retention");
            Assert.StartsWith(expected, System.Text.RegularExpressions.Regex.Replace(note.TextContent, @"\s+", " ").Trim());
            Assert.Equal("/privacy#panel-retention", cut.Find("#knowledge-retention-link").GetAttribute("href"));
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentUICulture = previous;
        }
    }

    [Fact]
    public void DocumentChanged_FailedScan_SaysNoOcrYet()
    {
        var document = knowledge.Add("scan.pdf", KnowledgeDocumentStatus.Queued, 0);
        var cut = Render<KnowledgePage>();

        knowledge.Raise(UserId, document with { Status = KnowledgeDocumentStatus.Failed, ErrorCode = "no_text" });

        cut.WaitForAssertion(() => Assert.Contains("Text recognition (OCR) is not supported yet", cut.Find(".pl-knowledge-doc-error").TextContent));
        Assert.Equal("Failed", cut.Find(".pl-knowledge-status").TextContent.Trim());
    }

    [Fact]
    public void DocumentChanged_AnotherUsersDocument_ChangesNothing()
    {
        knowledge.Add("mine.pdf", KnowledgeDocumentStatus.Processing, 10);
        var cut = Render<KnowledgePage>();
        var foreign = new KnowledgeDocumentSummary(Guid.NewGuid(), knowledge.CollectionId, "theirs.pdf", 1, KnowledgeDocumentStatus.Ready, 100, 1, 1, null, DateTimeOffset.UtcNow);

        knowledge.Raise("someone-else", foreign);
        cut.Render();

        Assert.Single(cut.FindAll(".pl-knowledge-document"));
        Assert.DoesNotContain("theirs.pdf", cut.Markup);
    }

    [Fact]
    public async Task Disposed_UnsubscribesFromDocumentChanged()
    {
        Render<KnowledgePage>();
        Assert.Equal(1, knowledge.Subscribers);

        await DisposeComponentsAsync();

        Assert.Equal(0, knowledge.Subscribers);
    }

    /// <summary>One collection of the user with the documents a test adds; raises DocumentChanged on request.</summary>
    private sealed class ListedKnowledge : IKnowledgeService
    {
        private readonly List<KnowledgeDocumentSummary> documents = [];

        public Guid CollectionId { get; } = Guid.NewGuid();

        public int Subscribers => DocumentChanged?.GetInvocationList().Length ?? 0;

        public event Action<string, KnowledgeDocumentSummary>? DocumentChanged;

        public KnowledgeDocumentSummary Add(string fileName, KnowledgeDocumentStatus status, int progress)
        {
            var document = new KnowledgeDocumentSummary(Guid.NewGuid(), CollectionId, fileName, 2048, status, progress, null, 0, null, DateTimeOffset.UtcNow);
            documents.Add(document);
            return document;
        }

        public void Raise(string ownerId, KnowledgeDocumentSummary document) => DocumentChanged?.Invoke(ownerId, document);

        public Task<IReadOnlyList<KnowledgeCollectionSummary>> CollectionsAsync(string userId, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<KnowledgeCollectionSummary>>(userId == UserId
                ? [new KnowledgeCollectionSummary(CollectionId, "Handbuch", documents.Count, 0, 2048, DateTimeOffset.UtcNow)]
                : []);

        public Task<IReadOnlyList<KnowledgeDocumentSummary>> DocumentsAsync(string userId, Guid collectionId, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<KnowledgeDocumentSummary>>(userId == UserId && collectionId == CollectionId ? [.. documents] : []);

        public Task<KnowledgeCollectionSummary> CreateCollectionAsync(string userId, string name, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task RenameCollectionAsync(string userId, Guid collectionId, string name, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task DeleteCollectionAsync(string userId, Guid collectionId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<KnowledgeDocumentSummary> UploadAsync(string userId, Guid collectionId, string fileName, Stream content, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<KnowledgeDocumentSummary> UploadAsync(string userId, Guid? apiKeyId, Guid collectionId, string fileName, Stream content, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public KnowledgeStorage Storage { get; set; } = new(null, true);
        public Task<KnowledgeStorage> StorageAsync(string userId, CancellationToken cancellationToken = default) => Task.FromResult(Storage);

        public Task DeleteDocumentAsync(string userId, Guid documentId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<KnowledgePassage>> SearchAsync(string userId, IReadOnlyCollection<Guid> collectionIds, string query, int topK, CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task<IReadOnlyList<KnowledgePassage>> SearchAsync(string userId, Guid? apiKeyId, IReadOnlyCollection<Guid> collectionIds, string query, int topK, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<KnowledgePassage> PassageAsync(string userId, Guid chunkId, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }
}
