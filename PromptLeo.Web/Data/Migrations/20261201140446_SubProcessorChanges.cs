using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PromptLeo.Web.Data.Migrations
{
    /// <inheritdoc />
    public partial class SubProcessorChanges : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "SubProcessors",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Address = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    Service = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    Location = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    InEea = table.Column<bool>(type: "INTEGER", nullable: true),
                    TransferBasis = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true),
                    ActiveFrom = table.Column<long>(type: "INTEGER", nullable: true),
                    ActiveUntil = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SubProcessors", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "SubProcessorChanges",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kind = table.Column<int>(type: "INTEGER", nullable: false),
                    AddedId = table.Column<int>(type: "INTEGER", nullable: true),
                    RemovedId = table.Column<int>(type: "INTEGER", nullable: true),
                    AnnouncedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    EffectiveAt = table.Column<long>(type: "INTEGER", nullable: false),
                    AnnouncedBy = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SubProcessorChanges", x => x.Id);
                    table.ForeignKey(
                        name: "FK_SubProcessorChanges_SubProcessors_AddedId",
                        column: x => x.AddedId,
                        principalTable: "SubProcessors",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_SubProcessorChanges_SubProcessors_RemovedId",
                        column: x => x.RemovedId,
                        principalTable: "SubProcessors",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "SubProcessorNotices",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ChangeId = table.Column<Guid>(type: "TEXT", nullable: false),
                    UserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    MailedAt = table.Column<long>(type: "INTEGER", nullable: true),
                    DismissedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SubProcessorNotices", x => x.Id);
                    table.ForeignKey(
                        name: "FK_SubProcessorNotices_AspNetUsers_UserId",
                        column: x => x.UserId,
                        principalTable: "AspNetUsers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_SubProcessorNotices_SubProcessorChanges_ChangeId",
                        column: x => x.ChangeId,
                        principalTable: "SubProcessorChanges",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "SubProcessorObjections",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ChangeId = table.Column<Guid>(type: "TEXT", nullable: false),
                    UserId = table.Column<string>(type: "TEXT", maxLength: 450, nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SubProcessorObjections", x => x.Id);
                    table.ForeignKey(
                        name: "FK_SubProcessorObjections_SubProcessorChanges_ChangeId",
                        column: x => x.ChangeId,
                        principalTable: "SubProcessorChanges",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_SubProcessorChanges_AddedId",
                table: "SubProcessorChanges",
                column: "AddedId");

            migrationBuilder.CreateIndex(
                name: "IX_SubProcessorChanges_EffectiveAt",
                table: "SubProcessorChanges",
                column: "EffectiveAt");

            migrationBuilder.CreateIndex(
                name: "IX_SubProcessorChanges_RemovedId",
                table: "SubProcessorChanges",
                column: "RemovedId");

            migrationBuilder.CreateIndex(
                name: "IX_SubProcessorNotices_ChangeId",
                table: "SubProcessorNotices",
                column: "ChangeId");

            migrationBuilder.CreateIndex(
                name: "IX_SubProcessorNotices_UserId_ChangeId",
                table: "SubProcessorNotices",
                columns: new[] { "UserId", "ChangeId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_SubProcessorObjections_ChangeId_UserId",
                table: "SubProcessorObjections",
                columns: new[] { "ChangeId", "UserId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_SubProcessorObjections_UserId",
                table: "SubProcessorObjections",
                column: "UserId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "SubProcessorNotices");

            migrationBuilder.DropTable(
                name: "SubProcessorObjections");

            migrationBuilder.DropTable(
                name: "SubProcessorChanges");

            migrationBuilder.DropTable(
                name: "SubProcessors");
        }
    }
}
