using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PromptLeo.Web.Data.Migrations
{
    /// <inheritdoc />
    public partial class BreachIncidents : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "BreachIncidents",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    RecordedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    RecordedBy = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    DiscoveredAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Description = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    Nature = table.Column<int>(type: "INTEGER", nullable: false),
                    DataCategories = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                    WindowStart = table.Column<long>(type: "INTEGER", nullable: false),
                    WindowEnd = table.Column<long>(type: "INTEGER", nullable: false),
                    ModelId = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    Node = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    Channel = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    Consequences = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    Measures = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    Risk = table.Column<int>(type: "INTEGER", nullable: false),
                    AffectedAccounts = table.Column<int>(type: "INTEGER", nullable: false),
                    AffectedErasedAccounts = table.Column<int>(type: "INTEGER", nullable: false),
                    AffectedRecords = table.Column<int>(type: "INTEGER", nullable: false),
                    AuthorityNotifiedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    AuthorityReference = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    DelayReason = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                    UsersNotifiedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    UsersNotified = table.Column<int>(type: "INTEGER", nullable: false),
                    ClosedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_BreachIncidents", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_BreachIncidents_ClosedAt",
                table: "BreachIncidents",
                column: "ClosedAt");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "BreachIncidents");
        }
    }
}
