// Package tender reads eForms notices, the XML the EU's Tenders Electronic
// Daily (TED) publishes, into a Notice that the tender radar turns into
// an opportunity.
//
// Only calls for competition are read: contract notices (UBL root
// ContractNotice, notice types cn-standard, cn-social, cn-desg and
// subco) and prior information notices used as a call for competition
// (root PriorInformationNotice, types pin-cfc-standard and pin-cfc-social).
// Planning notices (pin-only, pin-buyer, pin-rtl, ...), results (contract
// award notices), modifications and qualification systems start no
// competition a co-op can join, so they are refused with an error that
// names the element. Only eForms SDK 1.x (cbc:CustomizationID
// "eforms-sdk-1.*") is read.
//
// Errors are *ParseError values naming the file, the line and the
// element. The parser uses encoding/xml only and keeps the whole document
// in memory; a notice is refused above MaxSize bytes.
//
// Notice.Opportunity maps a notice to a radar entry (no lead, source
// reference "eforms:" + the procedure identifier BT-04), and Importer
// stores it through the opportunity service, which upserts on the source
// reference. spec/tender-radar.md documents every choice.
package tender
