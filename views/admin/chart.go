package admin

import (
	"fmt"
	"strconv"

	"github.com/hearth-app/hearth/models"
	"github.com/hearth-app/hearth/views/components"
)

// chart is the dashboard's bar chart of sign-ups and sign-ins per day,
// computed here so the template only places shapes. It is plain SVG: no
// script, no inline style; colours come from CSS classes.
type chart struct {
	Width, Height string
	Bars          []bar
	Ticks         []tick
	Labels        []label
	Baseline      line
}

type bar struct {
	X, Y, W, H string
	Class      string
	Title      string
}

type tick struct {
	Y, LabelY string
	Text      string
	Line      line
}

type label struct {
	X, Y string
	Text string
}

type line struct{ X1, Y1, X2, Y2 string }

const (
	chartW, chartH          = 720.0, 240.0
	padLeft, padRight       = 44.0, 8.0
	padTop, padBottom       = 12.0, 28.0
	plotW, plotH            = chartW - padLeft - padRight, chartH - padTop - padBottom
	groupGap, barsPerGroup  = 0.25, 2
	chartLabelEvery         = 5
	chartDayFormat          = "2 Jan"
	chartTitleDateFormatter = "Mon 2 Jan 2006"
)

// minChartDays is the fewest days the chart shows.
const minChartDays = 7

// activeDays drops the leading days without any sign-up or sign-in, keeping
// at least minChartDays: a week-old app gets a chart of its week, not 23
// empty days and a sliver. It says whether it dropped any.
func activeDays(days []models.DayCount) ([]models.DayCount, bool) {
	first := 0
	for first < len(days)-minChartDays && days[first].SignUps == 0 && days[first].SignIns == 0 {
		first++
	}
	return days[first:], first > 0
}

// chartHeading names the chart's span: the last 30 days, or since the first
// day with activity.
func chartHeading(days []models.DayCount) string {
	shown, trimmed := activeDays(days)
	if !trimmed || len(shown) == 0 {
		return fmt.Sprintf("Sign-ups and sign-ins, last %d days", len(days))
	}
	return "Sign-ups and sign-ins since " + shown[0].Day.Format("Mon 2 Jan")
}

func px(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// newChart lays out one group of two bars per day.
func newChart(days []models.DayCount) chart {
	days, _ = activeDays(days)
	c := chart{Width: px(chartW), Height: px(chartH)}
	peak := int64(0)
	for _, d := range days {
		peak = max(peak, d.SignIns, d.SignUps)
	}
	top := niceCeil(peak)
	y := func(v int64) float64 { return padTop + plotH - plotH*float64(v)/float64(top) }
	for _, v := range []int64{0, top / 2, top} {
		c.Ticks = append(c.Ticks, tick{
			Y: px(y(v)), LabelY: px(y(v) + 4), Text: components.Number(v),
			Line: line{px(padLeft), px(y(v)), px(chartW - padRight), px(y(v))},
		})
	}
	c.Baseline = line{px(padLeft), px(y(0)), px(chartW - padRight), px(y(0))}
	if len(days) == 0 {
		return c
	}
	slot := plotW / float64(len(days))
	barW := slot * (1 - groupGap) / barsPerGroup
	for i, d := range days {
		x := padLeft + float64(i)*slot + slot*groupGap/2
		day := d.Day.Format(chartTitleDateFormatter)
		for j, s := range []struct {
			v     int64
			class string
			what  string
		}{{d.SignUps, "bar-signups", "sign-ups"}, {d.SignIns, "bar-signins", "sign-ins"}} {
			c.Bars = append(c.Bars, bar{
				X: px(x + float64(j)*barW), Y: px(y(s.v)), W: px(barW), H: px(y(0) - y(s.v)),
				Class: s.class, Title: fmt.Sprintf("%s: %s %s", day, components.Number(s.v), s.what),
			})
		}
		if i%chartLabelEvery == 0 || i == len(days)-1 {
			c.Labels = append(c.Labels, label{X: px(x + barW), Y: px(chartH - 8), Text: d.Day.Format(chartDayFormat)})
		}
	}
	return c
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten (at least 2, so the
// middle tick is a whole number).
func niceCeil(v int64) int64 {
	if v <= 2 {
		return 2
	}
	for p := int64(1); ; p *= 10 {
		for _, m := range []int64{1, 2, 5} {
			if m*p >= v {
				return m * p
			}
		}
	}
}
