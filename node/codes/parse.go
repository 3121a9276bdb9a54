package codes

import (
	"encoding/csv"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/e-toiles/etoiles/node"
)

// ParseFile parses a Genericode (.gc) or CSV (.csv) code list file. The
// kind comes from the file name (cpv, nuts, country) or the list's own
// identification.
func ParseFile(path string) (*List, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("parse code list: %w", err)
	}
	defer f.Close()
	var l *List
	switch strings.ToLower(filepath.Ext(path)) {
	case ".gc", ".xml":
		l, err = ParseGenericode(f, filepath.Base(path))
	case ".csv":
		l, err = ParseCSV(f, filepath.Base(path))
	default:
		err = node.Errorf(node.EINVALID, "%s: unsupported file type; use a Genericode .gc or a .csv file", filepath.Base(path))
	}
	if err != nil {
		return nil, err
	}
	l.Source = filepath.Base(path)
	return l, nil
}

func kindOf(name string, ids []string) (string, error) {
	base := strings.ToLower(filepath.Base(name))
	ext := filepath.Ext(base)
	if ext != ".gc" && ext != ".csv" && ext != ".xml" {
		return "", errors.New("not a code list file")
	}
	base = strings.TrimSuffix(base, ext)
	for _, cand := range append([]string{base}, ids...) {
		c := strings.ToLower(cand)
		switch {
		case c == "cpv" || strings.HasPrefix(c, "cpv") && !strings.Contains(c, "social") || strings.HasSuffix(c, "/cpv"):
			return CPV, nil
		case c == "nuts" || strings.HasSuffix(c, "/nuts") || c == "nuts2024":
			return NUTS, nil
		case c == "country" || strings.HasSuffix(c, "/country"):
			return Country, nil
		}
	}
	return "", fmt.Errorf("%s: cannot tell which code list this is (name the file cpv, nuts or country)", name)
}

// iso6392 maps the ISO 639-2 codes of the EU's 24 languages to ISO 639-1.
var iso6392 = map[string]string{
	"bul": "bg", "ces": "cs", "cze": "cs", "dan": "da", "deu": "de", "ger": "de", "ell": "el", "gre": "el",
	"eng": "en", "spa": "es", "est": "et", "fin": "fi", "fra": "fr", "fre": "fr", "gle": "ga", "hrv": "hr",
	"hun": "hu", "ita": "it", "lit": "lt", "lav": "lv", "mlt": "mt", "nld": "nl", "dut": "nl", "pol": "pl",
	"por": "pt", "ron": "ro", "rum": "ro", "slk": "sk", "slo": "sk", "slv": "sl", "swe": "sv",
}

type gcDoc struct {
	Identification struct {
		ShortName string   `xml:"ShortName"`
		LongName  []string `xml:"LongName"`
		Version   string   `xml:"Version"`
	} `xml:"Identification"`
	Columns []struct {
		ID   string `xml:"Id,attr"`
		Data struct {
			Lang string `xml:"Lang,attr"`
		} `xml:"Data"`
	} `xml:"ColumnSet>Column"`
	Rows []struct {
		Values []struct {
			Ref   string `xml:"ColumnRef,attr"`
			Value string `xml:"SimpleValue"`
		} `xml:"Value"`
	} `xml:"SimpleCodeList>Row"`
}

// ParseGenericode reads an OASIS Genericode code list as the eForms SDK
// ships them: a "code" column, label columns named <lang>_label, and an
// optional parent column.
func ParseGenericode(r io.Reader, name string) (*List, error) {
	var doc gcDoc
	dec := xml.NewDecoder(io.LimitReader(r, 256<<20))
	if err := dec.Decode(&doc); err != nil {
		return nil, node.Errorf(node.EINVALID, "%s: not a Genericode file: %v", name, err)
	}
	kind, err := kindOf(name, append([]string{doc.Identification.ShortName}, doc.Identification.LongName...))
	if err != nil {
		return nil, node.Errorf(node.EINVALID, "%v", err)
	}
	labelCol := map[string]string{}
	parentCol := ""
	for _, c := range doc.Columns {
		id := strings.ToLower(c.ID)
		switch {
		case strings.HasSuffix(id, "_label"):
			if l, ok := iso6392[strings.TrimSuffix(id, "_label")]; ok {
				labelCol[c.ID] = l
			}
		case strings.Contains(id, "parent"):
			parentCol = c.ID
		}
	}
	if len(doc.Rows) == 0 {
		return nil, node.Errorf(node.EINVALID, "%s: the code list has no rows", name)
	}
	l := &List{Kind: kind, Version: doc.Identification.Version}
	for i, row := range doc.Rows {
		c := Code{Labels: map[string]string{}}
		for _, v := range row.Values {
			val := strings.TrimSpace(v.Value)
			switch {
			case v.Ref == "code":
				c.Code = val
			case v.Ref == parentCol:
				c.Parent = val
			case labelCol[v.Ref] != "" && val != "":
				c.Labels[labelCol[v.Ref]] = val
			}
		}
		if err := l.add(c); err != nil {
			return nil, node.Errorf(node.EINVALID, "%s: row %d: %v", name, i+1, err)
		}
	}
	return l, nil
}

// ParseCSV reads a code list in CSV with a header: code, optional parent
// and level, and label_<lang> columns (or a single label column whose text
// is the same in every language, as NUTS names are).
func ParseCSV(r io.Reader, name string) (*List, error) {
	kind, err := kindOf(name, nil)
	if err != nil {
		return nil, node.Errorf(node.EINVALID, "%v", err)
	}
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		return nil, node.Errorf(node.EINVALID, "%s: no CSV header: %v", name, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	if _, ok := col["code"]; !ok {
		return nil, node.Errorf(node.EINVALID, "%s: the CSV header has no code column", name)
	}
	l := &List{Kind: kind}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, node.Errorf(node.EINVALID, "%s: %v", name, err)
		}
		c := Code{Code: strings.TrimSpace(rec[col["code"]]), Labels: map[string]string{}}
		if i, ok := col["parent"]; ok {
			c.Parent = strings.TrimSpace(rec[i])
		}
		if i, ok := col["level"]; ok {
			c.Level, _ = strconv.Atoi(strings.TrimSpace(rec[i]))
		}
		for h, i := range col {
			lang, ok := strings.CutPrefix(h, "label_")
			if ok && node.ValidLanguageTag(lang) && strings.TrimSpace(rec[i]) != "" {
				c.Labels[lang] = strings.TrimSpace(rec[i])
			}
		}
		if i, ok := col["label"]; ok && strings.TrimSpace(rec[i]) != "" {
			c.Labels["und"] = strings.TrimSpace(rec[i])
		}
		if err := l.add(c); err != nil {
			return nil, node.Errorf(node.EINVALID, "%s: line %d: %v", name, line, err)
		}
	}
	if len(l.Codes) == 0 {
		return nil, node.Errorf(node.EINVALID, "%s: the code list has no rows", name)
	}
	return l, nil
}

// add checks and normalises a code for the list's kind.
func (l *List) add(c Code) error {
	switch l.Kind {
	case CPV:
		code, ok := node.NormalizeCPV(c.Code)
		if !ok {
			return fmt.Errorf("%q is not a CPV code", c.Code)
		}
		c.Code = code
		if c.Parent == "" {
			c.Parent, _ = node.CPVParent(code)
		}
		c.Level = len(node.CPVPrefix(code)) - 1
	case NUTS:
		if !node.ValidNUTS(c.Code, "") {
			return fmt.Errorf("%q is not a NUTS code", c.Code)
		}
		if c.Level == 0 {
			c.Level = len(c.Code) - 2
		}
	case Country:
		if len(c.Code) == 3 {
			a2, ok := node.CountryFromAlpha3(c.Code)
			if !ok {
				return nil // an EU-only code (e.g. 1A0) with no ISO alpha-2 form
			}
			c.Code = a2
		}
		if !node.ValidCountry(c.Code) {
			return fmt.Errorf("%q is not a country code", c.Code)
		}
	}
	l.Codes = append(l.Codes, c)
	return nil
}
