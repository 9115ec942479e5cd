using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace NatGateway.Migrations
{
    /// <inheritdoc />
    public partial class DoctorStatusHistory : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "DoctorStatusChanges",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Check = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    From = table.Column<string>(type: "TEXT", maxLength: 16, nullable: true),
                    To = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                    Summary = table.Column<string>(type: "TEXT", maxLength: 512, nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DoctorStatusChanges", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_DoctorStatusChanges_At",
                table: "DoctorStatusChanges",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_DoctorStatusChanges_Check",
                table: "DoctorStatusChanges",
                column: "Check");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DoctorStatusChanges");
        }
    }
}
