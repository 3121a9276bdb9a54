package codes_test

import (
	"strings"
	"testing"

	"github.com/e-toiles/etoiles/node"
	"github.com/e-toiles/etoiles/node/codes"
)

func TestParseCSV(t *testing.T) {
	l, err := codes.ParseCSV(strings.NewReader("code,parent,label_en,label_fr\n72000000,,IT services,Services TI\n72413000-8,,Web design,Conception web\n"), "cpv.csv")
	if err != nil {
		t.Fatal(err)
	}
	if l.Kind != codes.CPV || len(l.Codes) != 2 {
		t.Fatalf("ParseCSV = %+v", l)
	}
	web := l.Codes[1]
	if web.Code != "72413000" || web.Parent != "72410000" || web.Labels["fr"] != "Conception web" {
		t.Errorf("second code = %+v, want 72413000 under 72410000 with a French label", web)
	}
	if got := strings.Join(l.Languages(), ","); got != "en,fr" {
		t.Errorf("Languages() = %s, want en,fr", got)
	}
}

func TestParseGenericode(t *testing.T) {
	gc := `<gc:CodeList xmlns:gc="http://docs.oasis-open.org/codelist/ns/genericode/1.0/">
  <Identification><ShortName>Country</ShortName><Version>1</Version></Identification>
  <ColumnSet><Column Id="code"/><Column Id="eng_label"><Data Lang="eng"/></Column><Column Id="ita_label"><Data Lang="ita"/></Column></ColumnSet>
  <SimpleCodeList>
    <Row><Value ColumnRef="code"><SimpleValue>ITA</SimpleValue></Value><Value ColumnRef="eng_label"><SimpleValue>Italy</SimpleValue></Value><Value ColumnRef="ita_label"><SimpleValue>Italia</SimpleValue></Value></Row>
    <Row><Value ColumnRef="code"><SimpleValue>1A0</SimpleValue></Value><Value ColumnRef="eng_label"><SimpleValue>EU code</SimpleValue></Value></Row>
  </SimpleCodeList>
</gc:CodeList>`
	l, err := codes.ParseGenericode(strings.NewReader(gc), "list.gc")
	if err != nil {
		t.Fatal(err)
	}
	if l.Kind != codes.Country || len(l.Codes) != 1 || l.Codes[0].Code != "IT" || l.Codes[0].Labels["it"] != "Italia" {
		t.Errorf("ParseGenericode = %+v, want IT labelled Italia (the EU-only code skipped)", l)
	}
}

func TestParseRefusesBadFiles(t *testing.T) {
	for name, body := range map[string]string{
		"cpv.csv":     "code,label_en\n99999999,Nothing\n",
		"nuts.csv":    "label\nX\n",
		"country.csv": "code\n",
		"unknown.csv": "code\n72000000\n",
	} {
		if _, err := codes.ParseCSV(strings.NewReader(body), name); node.ErrorCode(err) != node.EINVALID {
			t.Errorf("ParseCSV(%s) = %v, want invalid", name, err)
		}
	}
	if _, err := codes.ParseGenericode(strings.NewReader("<nope"), "cpv.gc"); node.ErrorCode(err) != node.EINVALID {
		t.Errorf("ParseGenericode(broken) = %v, want invalid", err)
	}
}
